// MtprotoClient: the I/O around a sans-IO ClientSession. Three activities share one executor:
//
//   the connection loop (a coroutine): resolve, connect, create the auth key if needed, then read
//     until the connection ends; back off, reconnect, repeat until stop();
//   the writer (callbacks, no coroutine): call() queues a request in the session and posts one flush
//     if none is pending, so every call of the current turn of the event loop goes out in the same
//     container; the flush writes all of the session's packets with one async_write;
//   the deadline timer: armed on session.next_deadline() (request timeouts, acks, keep-alive, salts).
//
// Call completion: each call() is an asynchronous operation (async_initiate) whose completion
// handler waits, type-erased, in a slab slot found from the RequestId in O(1). Outcomes are not
// delivered inline (the code producing them may be in the middle of reading a packet); they are
// queued and one posted job per batch resumes all their coroutines. So a container of 1000 answers
// costs one post, not 1000, and no timer or channel per call.
#include "protocol/net/mtproto_client.hpp"

#include <algorithm>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <utility>

#include "protocol/crypto/random.hpp"
#include "protocol/mtproto/client/client_session.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/net/auth_key_exchange.hpp"
#include "protocol/net/deadline.hpp"
#include "protocol/net/framed_socket.hpp"
#include "protocol/transport/padding.hpp"

namespace tgd::net {
namespace {

using mtproto::RequestId;
using mtproto::UnixNanos;
// Asio 1.81's any_completion_handler::operator=(&&) recurses forever (it copies `other` as an
// lvalue into its converting constructor): move-construct or swap it, never assign.
using CallHandler = asio::any_completion_handler<void(CallResult)>;

constexpr std::uint32_t kNoCall = UINT32_MAX;
// RequestIds are (sequence << kSlotBits | slot) with slots reused (request_table.hpp): the slot
// indexes a flat table, and the stored id tells a live request from an earlier one in that slot.
constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << mtproto::client_detail::RequestTable::kSlotBits) - 1;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::string describe(const error_code& ec) {
  return ec == asio::error::eof ? "closed by peer" : ec.message();
}

std::string describe(const mtproto::client_event::Failed& f) {
  switch (f.reason) {
    case mtproto::FailReason::Timeout:
      return "timeout";
    case mtproto::FailReason::Rejected:
      return "rejected by the server (bad_msg_notification " + std::to_string(f.code) + ")";
    case mtproto::FailReason::MalformedAnswer:
      return "malformed answer";
  }
  return "failed";
}

// Monotonic counters of a retired session added to the running total; gauges are not summed.
void accumulate(mtproto::ClientCounters& into, const mtproto::ClientCounters& c) {
  into.packets_sent += c.packets_sent;
  into.bytes_sent += c.bytes_sent;
  into.messages_sent += c.messages_sent;
  into.requests_sent += c.requests_sent;
  into.containers_sent += c.containers_sent;
  into.container_messages += c.container_messages;
  into.resends += c.resends;
  into.gzip_packed_sent += c.gzip_packed_sent;
  into.acks_sent += c.acks_sent;
  into.packets_received += c.packets_received;
  into.bytes_received += c.bytes_received;
  into.messages_received += c.messages_received;
  into.results += c.results;
  into.rpc_errors += c.rpc_errors;
  for (const auto& [code, n] : c.rpc_errors_by_code) into.rpc_errors_by_code[code] += n;
  into.updates += c.updates;
  into.acks_received += c.acks_received;
  into.quick_acks += c.quick_acks;
  into.bad_msg_notifications += c.bad_msg_notifications;
  into.bad_server_salts += c.bad_server_salts;
  into.new_sessions_created += c.new_sessions_created;
  into.sessions_started += c.sessions_started;
  into.timeouts += c.timeouts;
  into.failed += c.failed;
  into.cancelled += c.cancelled;
  into.dropped_bad_auth_key_id += c.dropped_bad_auth_key_id;
  into.dropped_bad_msg_key += c.dropped_bad_msg_key;
  into.dropped_malformed += c.dropped_malformed;
  into.dropped_bad_session_id += c.dropped_bad_session_id;
  into.dropped_bad_msg_id += c.dropped_bad_msg_id;
  into.dropped_duplicate += c.dropped_duplicate;
  into.dropped_too_old += c.dropped_too_old;
  into.dropped_time_window += c.dropped_time_window;
  into.ignored_answers += c.ignored_answers;
  into.ignored_notifications += c.ignored_notifications;
  into.ignored_messages += c.ignored_messages;
}

}  // namespace

struct MtprotoClient::Impl : std::enable_shared_from_this<Impl> {
  // A call waiting for its outcome. The query is kept for the case where the server forgets the
  // auth key (-404): the requests then move to a new session, and ClientSession does not hand its
  // copies back.
  struct Call {
    CallHandler handler;  // empty: a free slot
    Bytes query;
    RequestId rid;  // in the current session; none while waiting for a session (no key yet)
    std::optional<UnixNanos> deadline;
    std::uint64_t serial = 0;  // tells a cancellation of this call from one of an earlier slot user
    bool content_related = true;
    bool compressible = true;
    std::function<void()> on_quick_ack;  // empty: no quick ack asked for
    bool wrapped = false;                // sent with options.wrap_until_initialized
    std::optional<CallTicket> after;     // CallOptions::after
    bool may_be_awaited = false;         // handed out a ticket
  };
  // An outcome or update to hand out from the next completion job. No handler: an update, whose
  // bytes are in result.
  struct Deferred {
    CallHandler handler;
    CallResult result;
  };
  struct Connection {
    explicit Connection(FramedSocket s) : socket(std::move(s)) {}
    FramedSocket socket;
    Bytes out;  // the frames of the write in progress
    bool writing = false;
    bool flush_again = false;  // a flush was asked for while writing
  };
  // How a connection ended (or failed to start).
  struct End {
    std::string reason;
    std::optional<std::int32_t> transport_error;
    bool healthy = false;  // the server spoke MTProto on it: the backoff starts over
  };

  Impl(asio::any_io_executor executor, ClientOptions opts)
      : ex(std::move(executor)),
        options(std::move(opts)),
        resolver(ex),
        backoff_timer(ex),
        deadline_timer(ex),
        jitter(static_cast<std::minstd_rand::result_type>(crypto::random_u64())) {
    if (options.obfuscated && options.framing == transport::Framing::Full) {
      config_error = "the Full transport has no obfuscated form";
    } else if (options.obfuscated && (options.dc.dc_id < INT16_MIN || options.dc.dc_id > INT16_MAX)) {
      config_error = "dc_id does not fit the obfuscation header";
    } else if (options.auth_key) {
      auto key = crypto::AuthKey::from_bytes(options.auth_key->key);
      if (!key) {
        config_error = "the stored auth key is not 256 bytes";
      } else {
        make_session(std::move(*key), options.auth_key->server_salt, options.auth_key->time_offset);
      }
    } else if (options.rsa_keys.empty()) {
      config_error = "no auth key and no RSA key to create one with";
    }
  }

  // --- calls ---

  void submit(Bytes query, const CallOptions& call_options, CallHandler handler) {
    if (stopped || config_error) {
      defer(std::move(handler), CallFailed{stopped ? "client stopped" : *config_error});
      return;
    }
    const std::uint32_t index = allocate_call();
    Call& c = calls[index];
    c.handler.swap(handler);  // not operator=: see CallHandler
    c.query = std::move(query);
    c.content_related = call_options.content_related;
    c.compressible = call_options.compressible;
    c.on_quick_ack = call_options.on_quick_ack;
    c.after = call_options.after;
    c.may_be_awaited = call_options.ticket != nullptr;
    c.serial = ++call_serial;
    c.deadline.reset();
    if (call_options.timeout) c.deadline = mtproto::system_now() + *call_options.timeout;
    // Per-operation cancellation (e.g. call() raced against a timer with awaitable operators, or a
    // bound cancellation_slot): the call leaves the session and completes with CallFailed. Plain
    // co_spawn'ed coroutines have no connected slot, so the hot path skips this.
    if (auto slot = c.handler.get_cancellation_slot(); slot.is_connected()) {
      slot.assign([weak = weak_from_this(), index, serial = c.serial](asio::cancellation_type) {
        if (auto self = weak.lock()) self->cancel_call(index, serial);
      });
    }
    const std::uint64_t serial = c.serial;
    if (session) {
      enqueue(index);  // may complete the call (and invalidate c)
    } else {
      waiting.push_back(index);
      if (calls[index].deadline) arm_timer();
    }
    if (call_options.ticket != nullptr) *call_options.ticket = CallTicket{index, serial, calls[index].rid};
  }

  // The session's request a ticket names now: the call's current one while it waits for its
  // outcome (it changes when calls move to a new session), else the one it had.
  RequestId resolve(const CallTicket& t) const {
    if (t.index < calls.size()) {
      const Call& c = calls[t.index];
      if (c.serial == t.serial && c.handler && c.rid) return c.rid;
    }
    return t.request;
  }

  std::uint32_t allocate_call() {
    if (!free_calls.empty()) {
      const std::uint32_t index = free_calls.back();
      free_calls.pop_back();
      return index;
    }
    calls.emplace_back();
    return static_cast<std::uint32_t>(calls.size() - 1);
  }

  // Hands call `index` to the session.
  void enqueue(std::uint32_t index) {
    Call& c = calls[index];
    mtproto::SendOptions send_options;
    send_options.content_related = c.content_related;
    send_options.compressible = c.compressible;
    // The Full transport has no way to ask for one (facts §1.4).
    send_options.quick_ack = c.on_quick_ack && options.framing != transport::Framing::Full;
    send_options.deadline = c.deadline;  // the session fails it with Timeout and drops it from its queues
    send_options.may_be_awaited = c.may_be_awaited;
    if (c.after) send_options.after = resolve(*c.after);
    c.wrapped = !session_initialized && options.wrap_until_initialized;
    const RequestId rid =
        session->send(c.wrapped ? options.wrap_until_initialized(c.query) : Bytes(c.query), send_options);
    if (!rid) {
      complete(index, CallFailed{"too many requests in flight"});
      return;
    }
    c.rid = rid;
    const std::size_t slot = rid.value & kSlotMask;
    if (slot >= by_slot.size()) by_slot.resize(std::max(slot + 1, by_slot.size() * 2), kNoCall);
    by_slot[slot] = index;
    request_flush();
    if (c.deadline) arm_timer();
  }

  std::uint32_t find_call(RequestId rid) const {
    const std::size_t slot = rid.value & kSlotMask;
    if (slot >= by_slot.size()) return kNoCall;
    const std::uint32_t index = by_slot[slot];
    return index != kNoCall && calls[index].rid == rid ? index : kNoCall;
  }

  // The call's one outcome: queued for the completion job, the slot freed.
  void complete(std::uint32_t index, CallResult result) {
    Call& c = calls[index];
    if (c.rid) by_slot[c.rid.value & kSlotMask] = kNoCall;
    c.rid = {};
    c.query = Bytes{};  // a large upload's buffer should not outlive its call
    c.on_quick_ack = nullptr;
    CallHandler handler;
    handler.swap(c.handler);
    defer(std::move(handler), std::move(result));
    free_calls.push_back(index);
  }

  void cancel_call(std::uint32_t index, std::uint64_t serial) {
    Call& c = calls[index];
    if (!c.handler || c.serial != serial) return;  // completed already
    if (c.rid) {
      // Asks the server to forget the answer too: cancelled calls are typically the long ones.
      session->cancel(c.rid, /*drop_answer=*/true);
      request_flush();
    } else {
      std::erase(waiting, index);
    }
    complete(index, CallFailed{"cancelled"});
  }

  void defer(CallHandler handler, CallResult result) {
    deferred.push_back(Deferred{std::move(handler), std::move(result)});
    if (deferred_posted) return;
    deferred_posted = true;
    asio::post(ex, [self = shared_from_this()] { self->run_deferred(); });
  }

  // The completion job: resumes the waiting coroutines (each runs until its next suspension, and
  // the calls they issue meanwhile join the flush that is posted after this job).
  void run_deferred() {
    deferred_posted = false;
    std::vector<Deferred> batch;
    batch.swap(deferred);
    for (auto& d : batch) {
      if (d.handler) {
        std::move(d.handler)(std::move(d.result));
      } else if (update_handler) {
        update_handler(std::get<Bytes>(d.result));
      }
    }
    // Keep the larger buffer for the next batch.
    batch.clear();
    if (deferred.empty()) deferred.swap(batch);
  }

  // Session events: outcomes complete their calls; the rest is remembered or handed out.
  void deliver() {
    for (auto& event : events) {
      std::visit(Overloaded{
                     [&](mtproto::client_event::Result& e) {
                       if (auto i = find_call(e.id); i != kNoCall) {
                         if (calls[i].wrapped) session_initialized = true;
                         complete(i, std::move(e.body));
                       }
                     },
                     [&](mtproto::client_event::Error& e) {
                       if (auto i = find_call(e.id); i != kNoCall) {
                         // The server took the wrapper, whatever became of the query inside.
                         if (calls[i].wrapped) session_initialized = true;
                         complete(i, RpcError{e.code, std::move(e.message)});
                       }
                     },
                     [&](mtproto::client_event::Failed& e) {
                       if (auto i = find_call(e.id); i != kNoCall) complete(i, CallFailed{describe(e)});
                     },
                     [&](mtproto::client_event::Update& e) { defer(CallHandler{}, std::move(e.body)); },
                     [&](mtproto::client_event::NewSessionCreated& e) {
                       last_new_session = e;
                       post_link_event(LinkEvent::NewSession);
                     },
                     [&](mtproto::client_event::QuickAcked& e) {
                       for (RequestId rid : e.ids) {
                         const auto i = find_call(rid);
                         if (i == kNoCall || !calls[i].on_quick_ack) continue;
                         // Posted: the callback may call into the client, which is mid-delivery here.
                         asio::post(ex, std::exchange(calls[i].on_quick_ack, nullptr));
                       }
                     },
                     [](auto&) {},  // pongs, destroy_session results: nothing waits on them
                 },
                 event);
    }
    events.clear();
  }

  // --- writing ---

  // One flush per turn: whatever is queued by then goes out together.
  void request_flush() {
    if (flush_posted || !connected) return;
    flush_posted = true;
    asio::post(ex, [self = shared_from_this()] {
      self->flush_posted = false;
      self->flush();
    });
  }

  void flush() {
    if (stopped || !connected || !session || !conn) return;
    Connection& c = *conn;
    if (c.writing) {
      // One write at a time; what piles up meanwhile goes out in the next one, together.
      c.flush_again = true;
      return;
    }
    session->flush(mtproto::system_now(), packets);
    if (!packets.empty()) {
      c.out.clear();
      bool framed = true;
      for (const auto& p : packets) framed = framed && c.socket.codec().encode(p.payload, c.out, p.quick_ack);
      packets.clear();
      if (!framed) {
        last_error = "a packet cannot be framed";
        c.socket.close();  // the reader sees it and runs the loss path
        return;
      }
      c.writing = true;
      // More queued than one flush takes (ClientSessionOptions::max_flush_bytes): the next flush
      // follows this write, leaving the loop to others in between.
      if (session->wants_flush(mtproto::system_now())) c.flush_again = true;
      asio::async_write(c.socket.socket(), asio::buffer(c.out),
                        [self = shared_from_this(), connection = conn](error_code ec, std::size_t) {
                          connection->writing = false;
                          if (ec) {
                            connection->socket.close();
                            return;
                          }
                          if (self->conn == connection && connection->flush_again) {
                            connection->flush_again = false;
                            self->request_flush();
                          }
                        });
    }
    arm_timer();
  }

  // --- time ---

  void arm_timer() {
    if (stopped) return;
    // The earliest of the session's deadline and those of calls still waiting for a session.
    UnixNanos next = UnixNanos::max();
    if (session) next = session->next_deadline().value_or(UnixNanos::max());
    for (std::uint32_t index : waiting)
      next = std::min(next, calls[index].deadline.value_or(UnixNanos::max()));
    if (next == UnixNanos::max()) return;
    const UnixNanos now = mtproto::system_now();
    // Some session deadlines (acks due) are only cleared by a flush, which waits for a connection
    // or for the write in progress: a minimum gap keeps the timer from spinning meanwhile.
    const UnixNanos gap = connected ? std::chrono::milliseconds(1) : std::chrono::milliseconds(20);
    const UnixNanos at = std::max(next, now + gap);
    if (armed_at && *armed_at <= at) return;  // it fires early enough; on_timer re-arms
    armed_at = at;
    const std::uint64_t generation = ++timer_generation;
    deadline_timer.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(at - now));
    deadline_timer.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || generation != self->timer_generation) return;  // re-armed or stopped
      self->armed_at.reset();
      self->on_timer();
    });
  }

  void on_timer() {
    if (stopped) return;
    const UnixNanos now = mtproto::system_now();
    if (session) {
      session->on_timer(now, events);
      deliver();
    }
    std::erase_if(waiting, [&](std::uint32_t index) {
      if (!calls[index].deadline || *calls[index].deadline > now) return false;
      complete(index, CallFailed{"timeout"});
      return true;
    });
    if (connected && session->wants_flush(now)) request_flush();
    arm_timer();
  }

  // --- sessions and keys ---

  void make_session(crypto::AuthKey new_key, std::int64_t salt, std::int64_t time_offset) {
    key = new_key;
    session.emplace(std::move(new_key), salt, time_offset, options.session, random);
    session_initialized = false;
    std::vector<std::uint32_t> queued;
    queued.swap(waiting);
    for (std::uint32_t index : queued) enqueue(index);
  }

  // The server does not know our key (-404): drop it and the session. The unanswered calls wait,
  // in the order they were issued, for the session of the next key; none of them can be answered
  // under the old key any more, so each still gets exactly one outcome.
  void forget_key() {
    accumulate(retired, session->counters());
    std::vector<std::pair<RequestId, std::uint32_t>> live;
    for (std::uint32_t slot = 0; slot < by_slot.size(); ++slot) {
      const std::uint32_t index = by_slot[slot];
      if (index != kNoCall && calls[index].rid) live.emplace_back(calls[index].rid, index);
    }
    std::sort(live.begin(), live.end());  // RequestIds order by creation
    std::fill(by_slot.begin(), by_slot.end(), kNoCall);
    for (auto& [rid, index] : live) {
      calls[index].rid = {};
      waiting.push_back(index);
    }
    session.reset();
    key.reset();
  }

  // --- the connection loop ---

  awaitable<void> run() {
    unsigned failures = 0;
    while (!stopped) {
      End end = co_await connect_and_serve();
      if (stopped) break;
      last_error = end.reason;
      // -429: the server asks us to slow down, whatever the connection did before.
      const bool flood = end.transport_error == -429;
      failures = end.healthy && !flood ? 1 : failures + 1;
      backoff_timer.expires_after(backoff(failures));
      co_await backoff_timer.async_wait(as_tuple_awaitable);
    }
  }

  std::chrono::milliseconds backoff(unsigned failures) {
    const auto initial = std::max(options.reconnect_initial, std::chrono::milliseconds(1));
    auto delay = initial;
    for (unsigned i = 1; i < failures && delay < options.reconnect_max; ++i) delay *= 2;
    delay = std::min(delay, std::max(options.reconnect_max, initial));
    std::uniform_int_distribution<std::int64_t> pick(delay.count() / 2, delay.count());
    return std::chrono::milliseconds(pick(jitter));
  }

  awaitable<End> connect_and_serve() {
    tcp::endpoint endpoint;
    error_code ec;
    const auto address = asio::ip::make_address(options.dc.host, ec);
    if (!ec) {
      endpoint = tcp::endpoint(address, options.dc.port);
    } else {
      // Named, not a temporary inside the co_await: g++ 12 may destroy such temporaries twice.
      const std::string service = std::to_string(options.dc.port);
      auto [rec, results] = co_await resolver.async_resolve(options.dc.host, service, as_tuple_awaitable);
      if (rec || results.empty())
        co_return End{"resolving " + options.dc.host + ": " + describe(rec), {}, false};
      endpoint = *results.begin();
    }
    if (stopped) co_return End{};

    // Our own socket rather than FramedSocket::connect's, so that stop() can abort the connect.
    connecting.emplace(ex);
    auto result = co_await with_deadline(connecting->async_connect(endpoint, as_tuple_awaitable),
                                         options.connect_timeout);
    if (stopped) co_return End{};
    if (!result) {
      connecting.reset();
      co_return End{"connect timed out", {}, false};
    }
    if (auto [cec] = *result; cec) {
      connecting.reset();
      co_return End{"connect: " + describe(cec), {}, false};
    }
    connecting->set_option(tcp::no_delay(true), ec);  // requests are small and latency-bound
    transport::CodecOptions codec_options{.random = random};
    auto codec = options.obfuscated
                     ? transport::Codec::client_obfuscated(options.framing,
                                                           static_cast<std::int16_t>(options.dc.dc_id),
                                                           std::nullopt, std::move(codec_options))
                     : std::optional(transport::Codec::client(options.framing, std::move(codec_options)));
    if (!codec) {  // excluded by the constructor's checks; kept as a value, not a crash
      connecting.reset();
      co_return End{"the transport cannot be set up", {}, false};
    }
    auto c = std::make_shared<Connection>(FramedSocket(std::move(*connecting), std::move(*codec)));
    connecting.reset();
    conn = c;

    if (!session) {
      handshake::ClientHandshake::Options handshake;
      handshake.dc_id = options.dc.dc_id;
      handshake.rsa_keys = options.rsa_keys;
      auto created = co_await create_auth_key(c->socket, std::move(handshake), options.handshake_timeout,
                                              options.cpu_executor);
      if (stopped) co_return End{};
      if (auto* failed = std::get_if<AuthKeyFailed>(&created)) {
        conn.reset();
        c->socket.close();
        co_return End{"auth key creation: " + failed->reason, failed->transport_error, false};
      }
      auto& done = std::get<AuthKeyCreated>(created);
      make_session(std::move(done.key), done.server_salt, done.time_offset);
      if (options.on_auth_key_created) {
        const ByteSpan bytes = key->bytes();
        options.on_auth_key_created(
            StoredAuthKey{Bytes(bytes.begin(), bytes.end()), done.server_salt, done.time_offset});
      }
    }

    connected = true;
    if (ever_connected) {
      ++reconnect_count;
      post_link_event(LinkEvent::Reconnected);
    }
    ever_connected = true;
    request_flush();  // resends, keep-alive, calls made while disconnected
    arm_timer();
    End end = co_await read_loop(*c);
    connected = false;
    conn.reset();
    c->socket.close();
    if (session) {
      session->on_disconnect();
      if (end.transport_error == -404) forget_key();
    }
    co_return end;
  }

  awaitable<End> read_loop(Connection& c) {
    End end;
    constexpr std::size_t kYieldAfterBytes = 256 * 1024;
    std::size_t bytes_since_yield = 0;
    while (true) {
      auto& codec = c.socket.codec();
      // No read buffer per connection (an idle session would hold 64 KiB): a per-thread one.
      const error_code ec = co_await c.socket.read_and_feed();
      if (ec || stopped) {
        end.reason = describe(ec);
        co_return end;
      }
      const UnixNanos now = mtproto::system_now();
      bool over = false;
      while (!over) {
        auto event = codec.next();
        if (!event) break;
        std::visit(Overloaded{
                       [&](transport::Frame& f) {
                         bytes_since_yield += f.payload.size();
                         // Padded intermediate pads frames; for other framings this is a no-op.
                         if (auto packet = transport::strip_transport_padding(f.payload)) {
                           session->on_packet(*packet, now, events);
                           end.healthy = true;
                         }
                       },
                       [&](transport::QuickAck& q) { session->on_quick_ack(q.token, events); },
                       [&](transport::TransportError& e) {
                         end.transport_error = e.code;
                         end.reason = "transport error " + std::to_string(e.code);
                         over = true;
                       },
                       [&](transport::Violation& v) {
                         end.reason = "transport violation: " + v.reason;
                         over = true;
                       },
                   },
                   *event);
      }
      deliver();
      if (over) co_return end;
      if (session->wants_flush(now)) request_flush();
      arm_timer();
      // Outcomes were handed out after a lot of bytes: let their callers run before reading on. A
      // reader that keeps finding data would otherwise decrypt a whole burst (megabytes of file
      // parts) first, holding back every waiting coroutine — the next requests of a transfer, other
      // connections' calls. Small answers do not pay for the extra loop turn (~10 µs a call).
      if (deferred_posted && bytes_since_yield >= kYieldAfterBytes) {
        bytes_since_yield = 0;
        co_await asio::post(ex, asio::use_awaitable);
      }
    }
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    connected = false;
    error_code ignored;
    if (connecting) connecting->close(ignored);
    resolver.cancel();
    if (conn) conn->socket.close();
    backoff_timer.cancel();
    deadline_timer.cancel();
    for (std::uint32_t index = 0; index < calls.size(); ++index) {
      Call& c = calls[index];
      if (!c.handler) continue;
      if (session && c.rid) session->cancel(c.rid);  // keeps the session's gauges true
      complete(index, CallFailed{"client stopped"});
    }
    waiting.clear();
  }

  asio::any_io_executor ex;
  ClientOptions options;
  std::optional<std::string> config_error;

  std::optional<crypto::AuthKey> key;
  // Padding, ids and obfuscation headers of this client's sessions and connections.
  crypto::RandomSource random = crypto::pooled_random();
  std::optional<mtproto::ClientSession> session;
  mtproto::ClientCounters retired;  // sessions dropped with their key
  std::optional<mtproto::client_event::NewSessionCreated> last_new_session;

  std::vector<Call> calls;
  std::vector<std::uint32_t> free_calls;
  std::uint64_t call_serial = 0;
  std::vector<std::uint32_t> by_slot;  // RequestId slot -> calls index
  std::vector<std::uint32_t> waiting;  // calls without a session yet, in issue order
  bool session_initialized = false;    // a wrapped call was answered in the current session
  std::vector<Deferred> deferred;
  bool deferred_posted = false;
  std::function<void(ByteSpan)> update_handler;
  std::function<void(LinkEvent)> link_handler;

  // Posted: the handler may call into the client, which is mid-delivery or mid-connect here.
  void post_link_event(LinkEvent event) {
    if (link_handler) asio::post(ex, [handler = link_handler, event] { handler(event); });
  }

  std::shared_ptr<Connection> conn;  // set from TCP connect until the connection ends
  std::optional<tcp::socket> connecting;
  tcp::resolver resolver;
  asio::steady_timer backoff_timer;
  asio::steady_timer deadline_timer;
  std::optional<UnixNanos> armed_at;
  std::uint64_t timer_generation = 0;
  bool connected = false;
  bool started = false;
  bool stopped = false;
  bool flush_posted = false;
  bool ever_connected = false;
  std::uint64_t reconnect_count = 0;
  std::string last_error;

  std::vector<mtproto::OutgoingPacket> packets;
  std::vector<mtproto::ClientEvent> events;
  std::minstd_rand jitter;
};

MtprotoClient::MtprotoClient(boost::asio::any_io_executor executor, ClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

MtprotoClient::~MtprotoClient() { impl_->stop(); }

void MtprotoClient::start() {
  if (impl_->started || impl_->stopped || impl_->config_error) return;
  impl_->started = true;
  asio::co_spawn(
      impl_->ex, [impl = impl_]() -> awaitable<void> { co_await impl->run(); }, asio::detached);
}

void MtprotoClient::stop() { impl_->stop(); }

boost::asio::awaitable<CallResult> MtprotoClient::call(Bytes query, CallOptions options) {
  // Runs lazily when awaited, with the awaiting coroutine suspended; the handler resumes it.
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(CallResult)>(
      [impl = impl_](auto handler, Bytes q, CallOptions o) {
        impl->submit(std::move(q), o, CallHandler(std::move(handler)));
      },
      asio::use_awaitable, std::move(query), options);
}

void MtprotoClient::on_update(std::function<void(ByteSpan)> handler) {
  impl_->update_handler = std::move(handler);
}

void MtprotoClient::on_link_event(std::function<void(LinkEvent)> handler) {
  impl_->link_handler = std::move(handler);
}

std::optional<StoredAuthKey> MtprotoClient::auth_key() const {
  if (!impl_->key || !impl_->session) return std::nullopt;
  const ByteSpan bytes = impl_->key->bytes();
  return StoredAuthKey{Bytes(bytes.begin(), bytes.end()), impl_->session->server_salt(),
                       impl_->session->time_offset()};
}

mtproto::ClientCounters MtprotoClient::counters() const {
  mtproto::ClientCounters c;
  if (impl_->session) c = impl_->session->counters();
  accumulate(c, impl_->retired);
  c.queued += impl_->waiting.size();
  return c;
}

std::uint64_t MtprotoClient::reconnects() const { return impl_->reconnect_count; }

bool MtprotoClient::connected() const { return impl_->connected && !impl_->stopped; }

std::optional<std::int64_t> MtprotoClient::session_id() const {
  if (!impl_->session) return std::nullopt;
  return impl_->session->session_id();
}

std::string MtprotoClient::last_error() const { return impl_->last_error; }

std::optional<mtproto::client_event::NewSessionCreated> MtprotoClient::last_new_session() const {
  return impl_->last_new_session;
}

}  // namespace tgd::net
