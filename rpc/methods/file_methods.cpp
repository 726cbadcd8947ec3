// The file methods: getDownloadInfo, downloadToFile, downloadToDir, uploadFile, cancelTransfer,
// over the daemon's Transfers (daemon/transfers). What holds media is read by
// files::locate_media; an expired file reference is refreshed by fetching the message again
// through call_tl (which resolves the message's peer to an InputChannel/InputPeer).
#include <cmath>

#include "daemon/files/media_locator.hpp"
#include "daemon/transfers/transfers.hpp"
#include "rpc/methods/errors.hpp"
#include "rpc/methods/json_builder.hpp"
#include "rpc/methods/methods_impl.hpp"

namespace tgd::rpc {

using boost::asio::awaitable;
using methods::Args;
using methods::JsonObject;
using session::Session;

namespace {

Error transfers_disabled() {
  return Error{codes::kUnavailable, "file transfers are not enabled in this daemon", {}};
}

Error to_rpc_error(const transfers::TransferError& e, std::string_view method) {
  using K = transfers::TransferError::Kind;
  JsonObject data;
  data.num("transfer", e.transfer);
  switch (e.kind) {
    case K::Disk:
      if (e.file) data.str("kind", files::kind_name(e.file->kind));
      return Error{codes::kFileError, e.message, data.done()};
    case K::Telegram: {
      data.str("method", method).boolean("telegram", true);
      if (auto n = methods::error_number(e.message)) data.num(n->field, n->value);
      return Error{e.code, e.message, data.done()};
    }
    case K::Failed:
      return Error{codes::kTransferFailed, e.message, data.done()};
    case K::Cancelled:
      return Error{codes::kCancelled, e.message, data.done()};
    case K::BadInput:
      return Error{codes::kInvalidParams, e.message, data.done()};
  }
  return Error{codes::kInternalError, e.message, {}};
}

// {"jsonrpc":"2.0","method":"progress","params":{"transfer":7,"done":…,"total":…,"rate":…,"final":…}}
transfers::ProgressFn progress_to(const std::shared_ptr<Caller>& caller) {
  return [weak = std::weak_ptr<Caller>(caller)](const transfers::Progress& p) {
    auto c = weak.lock();
    if (!c || !c->alive()) return;
    JsonObject params;
    params.num("transfer", p.transfer).num("done", p.done);
    if (p.total) {
      params.num("total", *p.total);
    } else {
      params.null("total");
    }
    params.real("rate", std::round(p.rate)).boolean("final", p.final);
    c->notify(R"({"jsonrpc":"2.0","method":"progress","params":)" + params.done() + "}");
  };
}

}  // namespace

std::variant<files::DownloadInfo, Error> Methods::Impl::media_of(const Args& args) {
  auto located = files::locate_media(*args.text("file"), "params.file");
  if (auto* e = std::get_if<files::LocateError>(&located)) return methods::invalid_params(e->text());
  return std::move(std::get<files::DownloadInfo>(located));
}

std::variant<transfers::ProgressFn, Error> Methods::Impl::progress_of(const Args& args) {
  if (!args.flag("progress").value_or(false)) return transfers::ProgressFn{};
  if (!args.caller || !args.caller->can_notify()) {
    return Error{codes::kPushUnavailable, "progress: this connection cannot receive notifications (HTTP)",
                 R"({"use":"the UNIX socket or a WebSocket"})"};
  }
  return progress_to(args.caller);
}

transfers::RefreshFn Methods::Impl::refresher(std::string session) {
  return [this, session = std::move(session)](
             const files::MessageOrigin& origin) -> awaitable<std::variant<std::string, std::string>> {
    using Kind = files::MessageOrigin::PeerKind;
    const std::string id = R"([{"_":"inputMessageID","id":)" + std::to_string(origin.message_id) + "}]";
    const tl::Combinator* method = nullptr;
    std::string params = R"({"session":)" + tl::json_quoted(session);
    if (origin.scheduled && !origin.peer_json.empty()) {
      method = schema.find("messages.getScheduledMessages");
      params += R"(,"peer":)" + origin.peer_json + R"(,"id":[)" + std::to_string(origin.message_id) + "]}";
    } else if (origin.peer_kind == Kind::kChannel) {
      method = schema.find("channels.getMessages");
      params += R"(,"channel":)" + origin.peer_json + R"(,"id":)" + id + "}";
    } else {
      method = schema.find("messages.getMessages");
      params += R"(,"id":)" + id + "}";
    }
    if (method == nullptr)
      co_return std::variant<std::string, std::string>(std::in_place_index<1>, "no such method");
    Outcome r = co_await call_tl(*method, std::move(params));
    if (auto* e = std::get_if<Error>(&r))
      co_return std::variant<std::string, std::string>(std::in_place_index<1>,
                                                       method->name + ": " + e->message);
    co_return std::variant<std::string, std::string>(std::in_place_index<0>,
                                                     std::move(std::get<std::string>(r)));
  };
}

awaitable<std::variant<std::string, Error>> Methods::Impl::upload_for(
    std::shared_ptr<Session> session, const methods::ParamRewriter::Hole& hole) {
  if (options.transfers == nullptr) co_return transfers_disabled();
  if (hole.upload_path.empty() || hole.upload_path.front() != '/') {
    co_return methods::invalid_params(hole.path +
                                      ": a file to upload (an absolute path) or an InputFile expected");
  }
  // A named request: g++ 12 destroys a temporary argument of a co_await'ed call twice.
  transfers::UploadRequest request{.path = hole.upload_path};
  auto done = co_await options.transfers->upload(std::move(session), std::move(request));
  if (auto* e = std::get_if<transfers::TransferError>(&done)) {
    Error error = to_rpc_error(*e, "uploadFile");
    error.message = hole.path + ": " + error.message;
    co_return error;
  }
  co_return std::move(std::get<transfers::UploadDone>(done).input_file);
}

awaitable<Outcome> Methods::Impl::get_download_info(Args args) {
  auto info = media_of(args);
  if (auto* e = std::get_if<Error>(&info)) co_return std::move(*e);
  co_return std::get<files::DownloadInfo>(info).to_json();
}

awaitable<Outcome> Methods::Impl::download(Args args, bool into_dir) {
  if (options.transfers == nullptr) co_return transfers_disabled();
  const std::string_view method = into_dir ? "downloadToDir" : "downloadToFile";
  auto info = media_of(args);
  if (auto* e = std::get_if<Error>(&info)) co_return std::move(*e);
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto session = std::get<std::shared_ptr<Session>>(picked);
  const std::string* path = args.text(into_dir ? "dir" : "path");
  if (path->empty() || path->front() != '/') {
    co_return methods::invalid_params(
        std::string("params.") + (into_dir ? "dir" : "path") +
        ": an absolute path expected (the daemon's working directory is not yours)");
  }
  transfers::DownloadRequest request{
      .info = std::move(std::get<files::DownloadInfo>(info)), .path = *path, .into_dir = into_dir};
  const auto offset = args.number("offset");
  const auto length = args.number("length");
  if (offset || length) {
    const double o = offset.value_or(0), l = length.value_or(0);
    if (o < 0 || std::floor(o) != o)
      co_return methods::invalid_params("params.offset: a byte offset (0 or more) expected");
    if (length && (l <= 0 || std::floor(l) != l))
      co_return methods::invalid_params("params.length: a number of bytes (1 or more) expected");
    request.range = files::ByteRange{
        .offset = static_cast<std::int64_t>(o),
        .length = length ? static_cast<std::int64_t>(l) : std::numeric_limits<std::int64_t>::max() / 2};
  }
  request.refresh = refresher(session->name());
  auto progress = progress_of(args);
  if (auto* e = std::get_if<Error>(&progress)) co_return std::move(*e);
  auto done = co_await options.transfers->download(session, std::move(request),
                                                   std::move(std::get<transfers::ProgressFn>(progress)));
  if (auto* e = std::get_if<transfers::TransferError>(&done)) co_return to_rpc_error(*e, method);
  const auto& d = std::get<transfers::DownloadDone>(done);
  co_return JsonObject()
      .str("path", d.path.string())
      .num("bytes", d.bytes)
      .real("seconds", d.seconds)
      .num("transfer", d.transfer)
      .done();
}

awaitable<Outcome> Methods::Impl::download_to_file(Args args) { return download(std::move(args), false); }
awaitable<Outcome> Methods::Impl::download_to_dir(Args args) { return download(std::move(args), true); }

awaitable<Outcome> Methods::Impl::upload_file(Args args) {
  if (options.transfers == nullptr) co_return transfers_disabled();
  auto picked = pick_session(args.text("session"));
  if (auto* e = std::get_if<Error>(&picked)) co_return std::move(*e);
  auto session = std::get<std::shared_ptr<Session>>(picked);
  const std::string* path = args.text("path");
  if (path->empty() || path->front() != '/')
    co_return methods::invalid_params(
        "params.path: an absolute path expected (the daemon's working directory is not yours)");
  transfers::UploadRequest request{.path = *path};
  if (const std::string* name = args.text("name")) request.name = *name;
  auto progress = progress_of(args);
  if (auto* e = std::get_if<Error>(&progress)) co_return std::move(*e);
  auto done = co_await options.transfers->upload(session, std::move(request),
                                                 std::move(std::get<transfers::ProgressFn>(progress)));
  if (auto* e = std::get_if<transfers::TransferError>(&done)) co_return to_rpc_error(*e, "uploadFile");
  const auto& d = std::get<transfers::UploadDone>(done);
  co_return JsonObject()
      .raw("file", d.input_file)
      .num("bytes", d.bytes)
      .boolean("big", d.big)
      .real("seconds", d.seconds)
      .num("transfer", d.transfer)
      .done();
}

awaitable<Outcome> Methods::Impl::cancel_transfer(Args args) {
  if (options.transfers == nullptr) co_return transfers_disabled();
  const double id = *args.number("transfer");
  if (id < 1 || std::floor(id) != id)
    co_return methods::invalid_params("params.transfer: a transfer id expected");
  if (!options.transfers->cancel(static_cast<std::uint64_t>(id))) {
    co_return Error{
        codes::kNoSuchTransfer,
        "no transfer " + std::to_string(static_cast<std::uint64_t>(id)) + " is running (it may have ended)",
        {}};
  }
  co_return JsonObject().num("cancelled", static_cast<std::uint64_t>(id)).done();
}

}  // namespace tgd::rpc
