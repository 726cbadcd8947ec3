#include "rpc/server/connection.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/system/system_error.hpp>

#include "protocol/base/redact.hpp"
#include "rpc/server/ws_frame.hpp"

namespace tgd::rpc {

struct Connection::Batch {
  std::vector<std::string> parts;  // one per entry that is answered, in order
  std::size_t remaining = 0;       // calls still running, plus one while the batch is being started
};

namespace {

// Messages shorter than this are copied into a shared chunk of kChunkBytes; longer ones are moved.
constexpr std::size_t kCoalesceBelow = 4 * 1024;
constexpr std::size_t kChunkBytes = 16 * 1024;

// Trace: every request and its answer, secrets masked by field name (protocol/base/redact.hpp).
awaitable<Outcome> run_call(MethodHandler& handler, Request request, std::shared_ptr<Caller> caller) {
  const std::uint64_t connection = caller->connection_id();
  if (spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("rpc {}: request {} {}", connection, request.method,
                  redact_json(request.params, kLoggedJsonChars));
  }
  auto call = handler.call(request, std::move(caller));
  Outcome outcome = co_await std::move(call);
  if (spdlog::should_log(spdlog::level::trace)) {
    if (const auto* error = std::get_if<Error>(&outcome)) {
      spdlog::trace("rpc {}: {} failed: {} {}", connection, request.method, error->code, error->message);
    } else {
      spdlog::trace("rpc {}: {} answered {}", connection, request.method,
                    redact_json(std::get<std::string>(outcome), kLoggedJsonChars));
    }
  }
  co_return outcome;
}

Error outcome_of(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) return Error{codes::kCancelled, "cancelled", {}};
    return Error{codes::kInternalError, e.what(), {}};
  } catch (const std::exception& e) {
    return Error{codes::kInternalError, e.what(), {}};
  } catch (...) {
    return Error{codes::kInternalError, "internal error", {}};
  }
}

}  // namespace

Connection::Connection(std::shared_ptr<ServerState> state, Framing framing)
    : state_(std::move(state)),
      id_(state_->next_connection_id++),
      framing_(framing),
      writer_wake_(state_->executor),
      reader_wake_(state_->executor),
      idle_timer_(state_->executor),
      last_activity_(std::chrono::steady_clock::now()) {
  ++state_->stats.connections_open;
  ++state_->stats.connections_total;
}

Connection::~Connection() {
  state_->connections.erase(id_);
  if (!closed_) --state_->stats.connections_open;
}

void Connection::close(bool with_notifications) {
  if (closed_) {
    if (!with_notifications) return;
  } else {
    closed_ = true;
    --state_->stats.connections_open;
    close_transport();
    writer_wake_.cancel();
    reader_wake_.cancel();
    idle_timer_.cancel();
  }
  // Snapshot first: a cancelled call may complete (and leave calls_) while we emit.
  std::vector<std::uint64_t> to_cancel;
  to_cancel.reserve(calls_.size());
  for (auto& [call, entry] : calls_) {
    if (with_notifications || !entry.notification) to_cancel.push_back(call);
  }
  for (std::uint64_t call : to_cancel) {
    auto it = calls_.find(call);
    if (it != calls_.end()) it->second.signal->emit(asio::cancellation_type::terminal);
  }
}

bool Connection::notify(std::string notification) {
  if (closed_ || output_closed_ || !can_push()) return false;
  if (out_bytes_ + notification.size() + ws::kMaxHeader > limits().max_outgoing_bytes) return false;
  enqueue(std::move(notification));
  return true;
}

bool Connection::notify_parts(std::string_view head, std::string_view body) {
  if (closed_ || output_closed_ || !can_push()) return false;
  const std::size_t size = head.size() + body.size();
  if (out_bytes_ + size + ws::kMaxHeader > limits().max_outgoing_bytes) return false;
  if (size >= kCoalesceBelow) {
    std::string joined;
    joined.reserve(size);
    joined.append(head).append(body);
    enqueue(std::move(joined));
  } else {
    append_message(head, body);
  }
  return true;
}

void Connection::handle_message(std::string_view text, std::size_t capacity) {
  touch();
  ParsedMessage message = state_->parser.parse(text, capacity);
  Stats& stats = state_->stats;
  if (message.kind == ParsedMessage::Kind::kParseError) {
    count_error(codes::kParseError);
    deliver(error_response("null", Error{codes::kParseError, "parse error: " + message.detail, {}}));
    return;
  }
  if (message.kind == ParsedMessage::Kind::kSingle) {
    ParsedEntry& entry = message.entries.front();
    ++stats.requests;
    if (entry.invalid) {
      count_error(entry.invalid->code);
      deliver(error_response(*entry.request.id, *entry.invalid));
      return;
    }
    if (!entry.request.id) {
      ++stats.notifications;
      if (in_flight_ >= limits().max_in_flight) {
        count_error(codes::kTooManyRequests);
      } else {
        start_call(std::move(entry.request), Target{});
      }
      deliver(std::string());
      return;
    }
    if (in_flight_ >= limits().max_in_flight) {
      count_error(codes::kTooManyRequests);
      deliver(error_response(*entry.request.id,
                             Error{codes::kTooManyRequests, "too many requests in flight", {}}));
      return;
    }
    Target target{entry.request.id, nullptr, 0};
    start_call(std::move(entry.request), std::move(target));
    return;
  }
  auto batch = std::make_shared<Batch>();
  batch->remaining = 1;  // held while starting the calls, so none can complete the batch early
  for (ParsedEntry& entry : message.entries) {
    ++stats.requests;
    if (entry.invalid) {
      count_error(entry.invalid->code);
      batch->parts.push_back(error_response(*entry.request.id, *entry.invalid));
      continue;
    }
    if (!entry.request.id) {
      ++stats.notifications;
      if (in_flight_ >= limits().max_in_flight) {
        count_error(codes::kTooManyRequests);
      } else {
        start_call(std::move(entry.request), Target{});
      }
      continue;
    }
    if (in_flight_ >= limits().max_in_flight) {
      count_error(codes::kTooManyRequests);
      batch->parts.push_back(error_response(
          *entry.request.id, Error{codes::kTooManyRequests, "too many requests in flight", {}}));
      continue;
    }
    batch->parts.emplace_back();
    ++batch->remaining;
    Target target{entry.request.id, batch, batch->parts.size() - 1};
    start_call(std::move(entry.request), std::move(target));
  }
  if (batch->parts.empty()) {
    deliver(std::string());
    return;
  }
  release(*batch);  // the hold taken above
}

void Connection::start_call(Request request, Target target) {
  const std::uint64_t call = next_call_++;
  Call& entry = calls_[call];
  entry.signal = std::make_unique<asio::cancellation_signal>();
  entry.notification = !target.id.has_value();
  ++in_flight_;
  ++state_->stats.in_flight;
  auto slot = entry.signal->slot();
  asio::co_spawn(
      state_->executor, run_call(state_->handler, std::move(request), shared_from_this()),
      asio::bind_cancellation_slot(slot, [self = shared_from_this(), call, target = std::move(target)](
                                             std::exception_ptr error, Outcome outcome) mutable {
        self->finish_call(call, target, error, std::move(outcome));
      }));
}

void Connection::finish_call(std::uint64_t call, Target& target, std::exception_ptr error, Outcome outcome) {
  calls_.erase(call);
  --in_flight_;
  --state_->stats.in_flight;
  if (!closed_) touch();
  if (error) outcome = outcome_of(error);
  if (auto* failure = std::get_if<Error>(&outcome)) {
    if (!closed_ || !target.id) count_error(failure->code);
  }
  if (target.id && !closed_) {
    if (auto* failure = std::get_if<Error>(&outcome)) {
      answer(target, error_response(*target.id, *failure));
    } else {
      answer(target, result_response(*target.id, std::get<std::string>(outcome)));
    }
  }
  if (!closed_ && out_.empty() && done_when_flushed()) close();
}

void Connection::answer(Target& target, std::string response) {
  if (!target.batch) {
    deliver(std::move(response));
    return;
  }
  target.batch->parts[target.index] = std::move(response);
  release(*target.batch);
}

void Connection::release(Batch& batch) {
  if (--batch.remaining > 0) return;
  std::size_t size = 2;
  for (const std::string& part : batch.parts) size += part.size() + 1;
  std::string joined;
  joined.reserve(size);
  joined += '[';
  for (std::size_t i = 0; i < batch.parts.size(); ++i) {
    if (i > 0) joined += ',';
    joined += batch.parts[i];
  }
  joined += ']';
  batch.parts.clear();
  deliver(std::move(joined));
}

void Connection::deliver(std::string response) {
  if (!response.empty()) enqueue(std::move(response));
}

void Connection::fail_message(const Error& error) {
  count_error(error.code);
  deliver(error_response("null", error));
  close_after_flush_ = true;
  if (!closed_ && out_.empty()) close();
}

void Connection::input_finished() {
  input_done_ = true;
  if (!closed_ && out_.empty() && in_flight_ == 0) close();
}

void Connection::enqueue(std::string message) {
  if (message.size() < kCoalesceBelow) {
    append_message(message, {});
    return;
  }
  switch (framing_) {
    case Framing::None:
      break;
    case Framing::Newline:
      message += '\n';
      break;
    case Framing::WebSocket:
      message = ws::frame(ws::Opcode::Text, message);
      break;
  }
  enqueue_framed(std::move(message));
}

bool Connection::admits(std::size_t size) {
  if (closed_ || output_closed_) return false;
  if (!out_.empty() && out_bytes_ + size > limits().max_outgoing_bytes) {
    close();  // a reader this slow is not waited for
    return false;
  }
  return true;
}

void Connection::enqueue_framed(std::string bytes) {
  const std::size_t size = bytes.size();
  if (!admits(size)) return;
  out_bytes_ += size;
  out_.push_back(std::move(bytes));
  if (out_.size() == 1) signal(writer_wake_);
}

void Connection::append_message(std::string_view head, std::string_view body) {
  const std::size_t payload = head.size() + body.size();
  char header[ws::kMaxHeader];
  std::size_t header_size = 0;
  std::string_view trailer;
  switch (framing_) {
    case Framing::None:
      break;
    case Framing::Newline:
      trailer = "\n";
      break;
    case Framing::WebSocket:
      header_size = ws::write_header(ws::Opcode::Text, payload, header);
      break;
  }
  const std::size_t size = header_size + payload + trailer.size();
  if (!admits(size)) return;
  std::string& tail = tail_with_room(size);
  tail.append(header, header_size).append(head).append(body).append(trailer);
  out_bytes_ += size;
}

std::string& Connection::tail_with_room(std::size_t size) {
  if (out_.size() > writing_ && out_.back().capacity() - out_.back().size() >= size) return out_.back();
  std::string& chunk = out_.emplace_back();
  chunk.reserve(std::max(size, kChunkBytes));
  if (out_.size() == 1) signal(writer_wake_);
  return chunk;
}

void Connection::written(std::size_t count) {
  for (std::size_t i = 0; i < count && !out_.empty(); ++i) {
    out_bytes_ -= out_.front().size();
    out_.pop_front();
  }
  writing_ = 0;
  touch();
  if (out_bytes_ < limits().outgoing_pause_bytes) signal(reader_wake_);
}

awaitable<void> Connection::wait(asio::steady_timer& event) {
  event.expires_at(asio::steady_timer::time_point::max());
  co_await event.async_wait(net::as_tuple_awaitable);
}

awaitable<void> Connection::idle_watch(std::shared_ptr<Connection> self) {
  const auto idle = limits().idle_timeout;
  while (!closed_) {
    const auto now = std::chrono::steady_clock::now();
    auto due = last_activity_ + idle;
    if (due <= now) due = now + idle;  // busy: look again later
    idle_timer_.expires_at(due);
    co_await idle_timer_.async_wait(net::as_tuple_awaitable);
    if (closed_) break;
    if (std::chrono::steady_clock::now() - last_activity_ >= idle && in_flight_ == 0 && out_.empty()) {
      close();
      break;
    }
  }
  (void)self;
}

}  // namespace tgd::rpc
