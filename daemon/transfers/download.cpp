// Downloads: a DownloadPlan's upload.getFile requests, `download_window` of them in flight (one
// per lane), each answer written at its offset of a DownloadTarget on the disk strand; the target
// becomes the destination file only once every byte is there.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "daemon/files/download_target.hpp"
#include "daemon/files/file_wire.hpp"
#include "daemon/transfers/transfer_impl.hpp"

namespace tgd::transfers {

namespace asio = boost::asio;
using files::DownloadPlan;
using files::DownloadTarget;

namespace {

// What a download's lanes share (in the download's frame).
struct DownloadState {
  DownloadPlan plan;
  files::GetFileRequests requests;
  DownloadTarget* target = nullptr;
  session::InvokeOptions invoke{};
  // FILE_REFERENCE_EXPIRED: one refresh at a time; a lane whose request used an older location
  // (generation) just asks again.
  std::uint64_t generation = 0;
  bool refreshing = false;
  int refreshes = 0;
  std::unique_ptr<asio::steady_timer> refreshed{};
};

std::optional<std::string> encode_location(tl::JsonToTl& encoder, const std::string& json, Bytes& out) {
  out.clear();
  if (auto e = encoder.encode_object_text(json, out, "location")) return e->message;
  return std::nullopt;
}

// A new file reference from the message the media came from; false when the download failed.
asio::awaitable<bool> refresh_reference(Job& job, DownloadState& st, const DownloadRequest& request,
                                        std::uint64_t seen) {
  while (st.refreshing) {
    st.refreshed->expires_at(asio::steady_timer::time_point::max());
    co_await st.refreshed->async_wait(asio::as_tuple(asio::use_awaitable));
    if (job.error) co_return false;
  }
  if (st.generation != seen) co_return true;  // refreshed meanwhile by another lane
  const auto expired = [&](std::string why) {
    job.fail(TransferError{
        .kind = TransferError::Kind::Telegram, .message = "FILE_REFERENCE_EXPIRED", .code = 400});
    job.error->message += " (" + why + ")";
  };
  if (!request.refresh || !request.info.origin) {
    expired(
        "the media came without the message it is in, so the reference cannot be refreshed: pass the "
        "message or update");
    co_return false;
  }
  if (st.refreshes >= job.owner.options.max_reference_refreshes) {
    expired("still expired after " + std::to_string(st.refreshes) + " refreshes");
    co_return false;
  }
  ++st.refreshes;
  ++job.owner.stats.reference_refreshes;
  st.refreshing = true;
  auto fetched = co_await request.refresh(*request.info.origin);
  st.refreshing = false;
  st.refreshed->cancel();
  if (job.error) co_return false;
  if (fetched.index() == 1) {
    job.fail(TransferError::Kind::Failed, "refreshing the file reference: " + std::get<1>(fetched));
    co_return false;
  }
  auto located = files::locate_media(std::get<0>(fetched), "message");
  if (auto* e = std::get_if<files::LocateError>(&located)) {
    job.fail(TransferError::Kind::Failed, "refreshing the file reference: " + e->text());
    co_return false;
  }
  const files::DownloadInfo& fresh = std::get<files::DownloadInfo>(located);
  if (fresh.id != request.info.id || fresh.kind != request.info.kind) {
    job.fail(TransferError::Kind::Failed,
             "refreshing the file reference: the message no longer holds this file");
    co_return false;
  }
  Bytes location;
  if (auto e = encode_location(job.owner.encoder, fresh.location, location)) {
    job.fail(TransferError::Kind::Failed, "refreshing the file reference: " + *e);
    co_return false;
  }
  st.requests = files::GetFileRequests(std::move(location));
  ++st.generation;
  co_return true;
}

// One request in flight at a time, until the plan has nothing more to ask or the download failed.
asio::awaitable<void> download_lane(Job& job, DownloadState& st, const DownloadRequest& request) {
  while (!job.error) {
    const std::optional<files::PartRequest> part = st.plan.next();
    if (!part) co_return;
    const std::uint64_t generation = st.generation;
    std::int32_t answered_by = 0;
    session::InvokeOptions options = st.invoke;
    options.answered_by = &answered_by;
    session::InvokeResult result = co_await job.session->invoker().invoke(st.requests.make(*part), options);
    if (job.error) co_return;
    // After a FILE_MIGRATE_X, the next parts go straight to the file's DC.
    if (answered_by != 0 && st.invoke.dc != answered_by) st.invoke.dc = answered_by;
    if (auto* e = std::get_if<session::CallError>(&result)) {
      if (e->kind == session::CallError::Kind::Rpc && e->message.starts_with("FILE_REFERENCE_")) {
        if (st.plan.fail(part->part) == files::FailOutcome::kGaveUp) {
          job.fail(*e, "upload.getFile");  // this part's reference expired max_attempts times
          co_return;
        }
        if (!co_await refresh_reference(job, st, request, generation)) co_return;
        continue;
      }
      if (e->kind == session::CallError::Kind::Failed) {  // a dropped connection, a timeout: again
        ++job.owner.stats.part_retries;
        if (st.plan.fail(part->part) == files::FailOutcome::kGaveUp) job.fail(*e, "upload.getFile");
        continue;
      }
      job.fail(*e, "upload.getFile");
      co_return;
    }
    const Bytes& answer = std::get<Bytes>(result);
    auto bytes = files::read_upload_file(answer);
    if (auto* e = std::get_if<std::string>(&bytes)) {
      job.fail(TransferError::Kind::Failed, *e);
      co_return;
    }
    const ByteSpan data = std::get<ByteSpan>(bytes);
    auto write = st.plan.complete(part->part, data.size());
    if (auto* e = std::get_if<files::PlanError>(&write)) {
      job.fail(TransferError::Kind::Failed, e->message);
      co_return;
    }
    const files::PartWrite w = std::get<files::PartWrite>(write);
    if (w.length > 0) {
      DownloadTarget* target = st.target;
      const ByteSpan piece = data.subspan(w.skip, w.length);
      auto failed = co_await on_disk(
          job.strand, [target, piece, at = w.output_offset] { return target->write(at, piece); });
      if (failed) {
        job.fail(*failed);
        co_return;
      }
      job.owner.stats.bytes_downloaded += w.length;
    }
    job.report(st.plan.bytes_written(), st.plan.output_size());
  }
}

}  // namespace

asio::awaitable<Outcome<DownloadDone>> Transfers::download(std::shared_ptr<session::Session> session,
                                                           DownloadRequest request, ProgressFn progress) {
  const std::shared_ptr<Impl> impl = impl_;
  Job job(*impl, std::move(session), std::move(progress));
  ++impl->stats.downloads;
  const auto failed = [&job]() -> Outcome<DownloadDone> { return *job.error; };

  auto made = DownloadPlan::make(request.info.size, request.range,
                                 files::DownloadOptions{.part_size = impl->options.download_part_size,
                                                        .window = impl->options.download_window,
                                                        .max_attempts = impl->options.max_attempts});
  if (auto* e = std::get_if<files::PlanError>(&made)) {
    job.fail(TransferError::Kind::BadInput, e->message);
    co_return failed();
  }
  Bytes location;
  if (auto e = encode_location(impl->encoder, request.info.location, location)) {
    job.fail(TransferError::Kind::BadInput, "the file's location cannot be encoded: " + *e);
    co_return failed();
  }
  DownloadState st{.plan = std::move(std::get<DownloadPlan>(made)),
                   .requests = files::GetFileRequests(std::move(location))};
  st.refreshed = std::make_unique<asio::steady_timer>(impl->loop);
  st.invoke.connection = session::ConnectionKind::File;
  st.invoke.timeout = impl->options.part_timeout;
  if (request.info.dc_id > 0) st.invoke.dc = request.info.dc_id;

  const std::optional<std::int64_t> size = st.plan.output_size();
  auto opened = co_await on_disk(job.strand, [&request, size] {
    return request.into_dir ? DownloadTarget::in_dir(request.path, request.info.file_name, size)
                            : DownloadTarget::to_file(request.path, size);
  });
  if (auto* e = std::get_if<files::FileError>(&opened)) {
    job.fail(*e);
    co_return failed();
  }
  DownloadTarget target = std::move(std::get<DownloadTarget>(opened));
  st.target = &target;
  job.report(0, size);

  co_await job.run_lanes(impl->options.download_window,
                         [&]() -> asio::awaitable<void> { return download_lane(job, st, request); });
  if (!job.error && !st.plan.done())
    job.fail(TransferError::Kind::Failed, "the download ended before the file did");
  if (job.error) {
    co_await on_disk(job.strand, [&target] {
      target.abort();
      return true;
    });
    co_return failed();
  }
  auto committed = co_await on_disk(job.strand, [&target] { return target.commit(); });
  if (auto* e = std::get_if<files::FileError>(&committed)) {
    job.fail(*e);
    co_return failed();
  }
  job.report(st.plan.bytes_written(), st.plan.bytes_written(), true);
  co_return DownloadDone{.transfer = job.id,
                         .path = std::move(std::get<std::filesystem::path>(committed)),
                         .bytes = st.plan.bytes_written(),
                         .seconds = job.seconds()};
}

}  // namespace tgd::transfers
