// Uploads: an UploadPlan's save(Big)FilePart requests, `upload_window` in flight (one per lane),
// each part read on the disk strand just before it is sent (memory: a window of parts, whatever
// the file size); small files get their MD5 while being read.
#include "daemon/files/file_wire.hpp"
#include "daemon/files/ordered_md5.hpp"
#include "daemon/files/source_file.hpp"
#include "daemon/files/upload_plan.hpp"
#include "daemon/transfers/transfer_impl.hpp"

namespace tgd::transfers {

namespace asio = boost::asio;
using files::SourceFile;
using files::UploadPlan;

namespace {

struct UploadState {
  UploadPlan plan;
  const SourceFile* source = nullptr;
  files::OrderedMd5 md5{};  // on the disk strand only
  session::InvokeOptions invoke{};
};

asio::awaitable<void> upload_lane(Job& job, UploadState& st) {
  const std::string_view method = st.plan.method();
  while (!job.error) {
    const std::optional<files::UploadPart> part = st.plan.next();
    if (!part) co_return;
    const bool big = st.plan.big();
    // The part is read straight into its request (no part buffer, no copy).
    files::SaveFilePartQuery q =
        files::save_file_part_query(st.plan.file_id(), part->part,
                                    big ? std::optional<std::int32_t>(st.plan.total_parts()) : std::nullopt,
                                    static_cast<std::size_t>(part->size));
    const MutableByteSpan data(q.query.data() + q.data_at, static_cast<std::size_t>(part->size));
    auto read_failed = co_await on_disk(job.strand, [&st, data, part = *part, big] {
      auto e = st.source->read(part.offset, data);
      if (!e && !big && st.md5.add(part.part, data) == files::OrderedMd5::Added::kOutOfOrder) {
        e = files::FileError{.kind = files::FileErrorKind::kIo,
                             .message = "internal error: part " + std::to_string(part.part) +
                                        " read before part " + std::to_string(st.md5.next_part())};
      }
      return e;
    });
    if (job.error) co_return;
    if (read_failed) {
      job.fail(*read_failed);
      co_return;
    }
    session::InvokeResult result = co_await job.session->invoker().invoke(std::move(q.query), st.invoke);
    if (job.error) co_return;
    if (auto* e = std::get_if<session::CallError>(&result)) {
      if (e->kind == session::CallError::Kind::Failed) {
        ++job.owner.stats.part_retries;
        if (st.plan.fail(part->part) == files::FailOutcome::kGaveUp) job.fail(*e, method);
        continue;
      }
      job.fail(*e, method);
      co_return;
    }
    const std::optional<bool> saved = files::read_bool(std::get<Bytes>(result));
    if (!saved) {
      job.fail(TransferError::Kind::Failed, std::string(method) + ": an answer that is not a Bool");
      co_return;
    }
    if (!*saved) {  // the server did not keep it: again
      ++job.owner.stats.part_retries;
      if (st.plan.fail(part->part) == files::FailOutcome::kGaveUp) {
        job.fail(TransferError::Kind::Failed, std::string(method) + ": the server refused part " +
                                                  std::to_string(part->part) + " every time");
      }
      continue;
    }
    if (auto e = st.plan.complete(part->part)) {
      job.fail(TransferError::Kind::Failed, e->message);
      co_return;
    }
    job.owner.stats.bytes_uploaded += static_cast<std::uint64_t>(part->size);
    job.report(st.plan.bytes_done(), st.plan.file_size());
  }
}

}  // namespace

asio::awaitable<Outcome<UploadDone>> Transfers::upload(std::shared_ptr<session::Session> session,
                                                       UploadRequest request, ProgressFn progress) {
  const std::shared_ptr<Impl> impl = impl_;
  Job job(*impl, std::move(session), std::move(progress));
  ++impl->stats.uploads;
  const auto failed = [&job]() -> Outcome<UploadDone> { return *job.error; };

  auto opened = co_await on_disk(job.strand, [&request] { return SourceFile::open(request.path); });
  if (auto* e = std::get_if<files::FileError>(&opened)) {
    job.fail(*e);
    co_return failed();
  }
  // Closed on the disk strand too (a close may block on some file systems).
  auto source = std::make_shared<SourceFile>(std::move(std::get<SourceFile>(opened)));
  auto made =
      UploadPlan::make(source->size(), files::UploadOptions{.window = impl->options.upload_window,
                                                            .max_attempts = impl->options.max_attempts});
  if (auto* e = std::get_if<files::PlanError>(&made)) {
    job.fail(TransferError::Kind::BadInput, e->message);
    co_return failed();
  }
  UploadState st{.plan = std::move(std::get<UploadPlan>(made)), .source = source.get()};
  st.invoke.connection = session::ConnectionKind::File;
  st.invoke.timeout = impl->options.part_timeout;
  job.report(0, st.plan.file_size());

  co_await job.run_lanes(impl->options.upload_window,
                         [&]() -> asio::awaitable<void> { return upload_lane(job, st); });
  // Named, not a temporary: g++ 12 destroys an owning temporary in a co_await expression twice.
  auto close = [source = std::move(source)]() mutable {
    source.reset();
    return true;
  };
  co_await on_disk(job.strand, std::move(close));
  if (!job.error && !st.plan.done())
    job.fail(TransferError::Kind::Failed, "the upload ended before the file did");
  if (job.error) co_return failed();
  const std::string name = request.name.empty() ? request.path.filename().string() : request.name;
  auto input = st.plan.input_file_json(name, st.plan.big() ? std::string() : st.md5.finish_hex());
  if (auto* e = std::get_if<files::PlanError>(&input)) {
    job.fail(TransferError::Kind::Failed, e->message);
    co_return failed();
  }
  job.report(st.plan.file_size(), st.plan.file_size(), true);
  co_return UploadDone{.transfer = job.id,
                       .input_file = std::move(std::get<std::string>(input)),
                       .bytes = st.plan.file_size(),
                       .big = st.plan.big(),
                       .seconds = job.seconds()};
}

}  // namespace tgd::transfers
