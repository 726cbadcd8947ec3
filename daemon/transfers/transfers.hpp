#pragma once
// Uploads and downloads over a session's file connections (issue #7): several parts in flight per
// transfer, disk I/O on worker threads (never on the event loop), bounded memory whatever the file
// size, retries of failed parts after a dropped connection, FILE_REFERENCE_EXPIRED refreshed from
// the message the media came from, cancellation, and throttled progress reports.
//
//   transfers::Transfers transfers(loop, schema);
//   auto done = co_await transfers.download(session, {.info = locate_media(...), .path = "/tmp/x"},
//   on_progress); auto file = co_await transfers.upload(session, {.path = "/tmp/x.pdf"}, on_progress);  // →
//   InputFile JSON
//
// The plans (daemon/files) decide which requests to make; this layer makes them through the
// session's Invoker (ConnectionKind::File: the DC's file connection, which never carries updates;
// FILE_MIGRATE_X and exported authorizations are the Invoker's business) and moves the bytes.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "daemon/files/download_plan.hpp"
#include "daemon/files/file_error.hpp"
#include "daemon/files/media_locator.hpp"

namespace tgd::tl {
class Schema;
}
namespace tgd::session {
class Session;
}

namespace tgd::transfers {

struct TransferOptions {
  int download_window = 8;  // upload.getFile requests in flight per download
  // Bytes per upload.getFile (a power of two, 4 KiB..1 MiB). 512 KiB rather than the largest: each
  // answer is indivisible decryption on the event loop (~1 ms per 512 KiB), so other calls wait
  // less behind a transfer (bench_files: help.getNearestDc p99 15-18 ms instead of 26-28), for a
  // few % of throughput.
  std::int32_t download_part_size = 512 * 1024;
  int upload_window = 8;            // save*FilePart requests in flight per upload (512 KiB each)
  int max_attempts = 5;             // per part, before the transfer fails
  int max_reference_refreshes = 3;  // FILE_REFERENCE_EXPIRED refreshes per download
  std::chrono::milliseconds part_timeout{60'000};
  std::chrono::milliseconds progress_interval{250};  // at most one progress report per this
  std::size_t disk_threads = 2;
};

struct Progress {
  std::uint64_t transfer = 0;
  std::int64_t done = 0;                // bytes
  std::optional<std::int64_t> total{};  // bytes, when known
  double rate = 0;                      // bytes per second since the start
  bool final = false;                   // the last report (done == total)
};
using ProgressFn = std::function<void(const Progress&)>;

// Fetches the message a file reference came from again (messages.getMessages or
// channels.getMessages), answering its JSON (anything locate_media() reads), or an error text.
using RefreshFn = std::function<boost::asio::awaitable<std::variant<std::string, std::string>>(
    const files::MessageOrigin&)>;

struct DownloadRequest {
  files::DownloadInfo info{};
  // Either a file path (replaced if it exists) or, with `into_dir`, a directory where the media's
  // file name is made unique.
  std::filesystem::path path{};
  bool into_dir = false;
  std::optional<files::ByteRange> range{};
  RefreshFn refresh{};  // without it, FILE_REFERENCE_EXPIRED fails the download
};

struct DownloadDone {
  std::uint64_t transfer = 0;
  std::filesystem::path path{};
  std::int64_t bytes = 0;
  double seconds = 0;
};

struct UploadRequest {
  std::filesystem::path path{};
  std::string name{};  // the file name Telegram gets; empty: the path's last part
};

struct UploadDone {
  std::uint64_t transfer = 0;
  std::string input_file{};  // inputFile / inputFileBig, tgd's JSON form
  std::int64_t bytes = 0;
  bool big = false;
  double seconds = 0;
};

struct TransferError {
  enum class Kind : std::uint8_t {
    Disk,       // a path on disk: `file` says what
    Telegram,   // an RPC error: code and message are Telegram's
    Failed,     // no answer after the retries (connection, timeout), or a broken answer
    Cancelled,  // cancel(), or the caller went away
    BadInput,   // a plan that cannot be made (a range past the end, an empty file)
  };
  Kind kind = Kind::Failed;
  std::string message{};
  std::int32_t code = 0;  // Telegram's, with Kind::Telegram
  std::optional<files::FileError> file{};
  std::uint64_t transfer = 0;
};

template <class T>
using Outcome = std::variant<T, TransferError>;

struct Stats {
  std::uint64_t downloads = 0, uploads = 0;  // started
  std::uint64_t failed = 0, cancelled = 0;
  std::uint64_t bytes_downloaded = 0, bytes_uploaded = 0;
  std::uint64_t part_retries = 0, reference_refreshes = 0;
  std::size_t active = 0;
};

class Transfers {
 public:
  Transfers(boost::asio::any_io_executor loop, const tl::Schema& api, TransferOptions options = {});
  ~Transfers();
  Transfers(const Transfers&) = delete;
  Transfers& operator=(const Transfers&) = delete;

  // On the loop. `progress` (may be empty) is called on the loop, throttled, with the transfer's id
  // in its first report; cancellation of the awaiting coroutine cancels the transfer.
  boost::asio::awaitable<Outcome<DownloadDone>> download(std::shared_ptr<session::Session> session,
                                                         DownloadRequest request, ProgressFn progress = {});
  boost::asio::awaitable<Outcome<UploadDone>> upload(std::shared_ptr<session::Session> session,
                                                     UploadRequest request, ProgressFn progress = {});

  // Cancels a running transfer (its awaiting call ends with Kind::Cancelled); false if none.
  bool cancel(std::uint64_t transfer);
  Stats stats() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tgd::transfers
