#include "tests/testdc/test_dc.hpp"

#include <time.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <list>
#include <stdexcept>
#include <unordered_map>
#include <variant>

#include "protocol/handshake/server_handshake.hpp"
#include "protocol/mtproto/message_id.hpp"
#include "protocol/mtproto/server/dispatcher.hpp"
#include "protocol/net/framed_socket.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_out.hpp"
#include "protocol/transport/padding.hpp"
#include "tests/testdc/api.hpp"
#include "tests/testdc/api/actions.hpp"

namespace tgd::testdc {

using namespace tgd::net;
namespace server = mtproto::server;

namespace {
constexpr auto kTransportHeaderTimeout = std::chrono::seconds(10);

bool is_plain_message(ByteSpan payload) {
  return payload.size() >= 8 &&
         std::all_of(payload.begin(), payload.begin() + 8, [](auto b) { return b == 0; });
}

std::string describe_peer(const tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  return ec ? std::string("?") : ep.address().to_string() + ":" + std::to_string(ep.port());
}
}  // namespace

// One client connection: its socket and the frames waiting to be written. Writes are batched: every
// packet queued while a write is in flight goes out in the next single write.
struct Connection {
  server::ConnectionId id = 0;
  std::string peer;
  FramedSocket socket;
  std::vector<std::variant<Bytes, std::uint32_t>> pending;  // packets, and quick-ack tokens
  bool writing = false;
  bool closed = false;
  std::optional<asio::steady_timer> disconnect_timer;
};

struct Dc {
  int id = 0;
  tcp::acceptor acceptor;
  server::Dispatcher dispatcher;
  std::unique_ptr<Api> api;
  bool in_packet = false;
  bool flush_posted = false;
  // Fires at the Api's next invokeAfterMsg deadline (MSG_WAIT_TIMEOUT); `armed_for` is that deadline.
  asio::steady_timer wait_timer;
  std::optional<Api::Clock::time_point> armed_for;
  explicit Dc(asio::io_context& io) : acceptor(io), wait_timer(io) {}
};

struct TestDc::Impl {
  asio::io_context& io;
  Options options;
  std::shared_ptr<const crypto::RsaPrivateKey> key;
  tl::Schemas schemas = tl::load_embedded_schemas();
  World world{options.dcs};  // accounts etc., shared by all DCs
  std::list<Dc> dcs;         // stable addresses: connections refer to their DC
  std::unordered_map<server::ConnectionId, std::shared_ptr<Connection>> connections;
  server::ConnectionId next_connection = 1;
  std::vector<server::Event> events;
  bool streamed_answer = false;  // on_event(Query) answered a file part
  std::vector<server::OutgoingPacket> outgoing;
  std::shared_ptr<int> lifetime = std::make_shared<int>(0);  // posted work checks it is still here

  Impl(asio::io_context& io_context, Options opts) : io(io_context), options(std::move(opts)) {
    key = options.key ? options.key
                      : std::make_shared<const crypto::RsaPrivateKey>(crypto::RsaPrivateKey::generate());
  }

  handshake::ServerHandshake::Options handshake_options(const Dc& dc) const {
    handshake::ServerHandshake::Options o;
    o.rsa_key = key;
    // Clients send the DC id as they know it: plain, as a Telegram test DC (+10000), or media (<0).
    o.accepted_dc_ids = {dc.id, -dc.id, dc.id + 10000, -(dc.id + 10000)};
    return o;
  }

  awaitable<void> accept_loop(Dc& dc) {
    while (true) {
      auto [ec, socket] = co_await dc.acceptor.async_accept(as_tuple_awaitable);
      if (ec == asio::error::operation_aborted) co_return;
      if (ec) {
        spdlog::warn("dc{}: accept: {}", dc.id, ec.message());
        continue;
      }
      asio::co_spawn(io, serve(dc, std::move(socket)), asio::detached);
    }
  }

  void queue(Connection& c, std::variant<Bytes, std::uint32_t> packet_or_quick_ack) {
    if (c.closed) return;
    c.pending.push_back(std::move(packet_or_quick_ack));
    if (!c.writing) asio::co_spawn(io, write_loop(connections.at(c.id)), asio::detached);
  }

  awaitable<void> write_loop(std::shared_ptr<Connection> c) {
    c->writing = true;
    while (!c->pending.empty() && !c->closed) {
      std::vector<std::variant<Bytes, std::uint32_t>> batch;
      batch.swap(c->pending);
      for (auto& item : batch) {
        // Plain statements, not a conditional expression: g++ 12 mishandles temporaries of
        // co_await inside larger expressions.
        std::optional<SocketClosed> failed;
        if (const auto* packet = std::get_if<Bytes>(&item)) {
          failed = co_await c->socket.send(*packet);
        } else {
          failed = co_await c->socket.send_quick_ack(std::get<std::uint32_t>(item));
        }
        if (failed) {
          close(*c);
          break;
        }
      }
    }
    c->writing = false;
  }

  void close(Connection& c) {
    if (c.closed) return;
    c.closed = true;
    c.socket.close();
    if (c.disconnect_timer) c.disconnect_timer->cancel();
  }

  // Runs the dispatcher's events and writes whatever it has to send. A file part's answer is
  // written before the next query is handled (yielding to the writer), as Telegram streams them:
  // a packet of eight upload.getFile requests must not hold 8 MiB of answers back until the last
  // one is encrypted.
  awaitable<void> after_packet(Dc& dc, Connection& c) {
    std::vector<server::Event> batch;
    batch.swap(events);  // other connections run while this one yields
    for (auto& event : batch) {
      std::visit([&](auto& e) { on_event(dc, c, e); }, event);
      if (streamed_answer) {
        streamed_answer = false;
        write_output(dc);
        co_await asio::post(io, asio::use_awaitable);
      }
    }
    write_output(dc);
  }

  // Output that no packet caused (a later answer, a push, released held answers, a test's fault
  // action) is written on the next turn of the event loop, batched with whatever else comes.
  void on_output(Dc& dc) {
    if (dc.flush_posted || dc.in_packet) return;
    dc.flush_posted = true;
    asio::post(io, [this, &dc, alive = std::weak_ptr<int>(lifetime)] {
      if (alive.expired()) return;  // the test DC is gone
      dc.flush_posted = false;
      write_output(dc);
    });
  }

  void write_output(Dc& dc) {
    dc.dispatcher.flush(mtproto::system_now(), outgoing);
    for (auto& packet : outgoing) {
      auto it = connections.find(packet.connection);
      if (it != connections.end()) queue(*it->second, std::move(packet.bytes));
    }
    outgoing.clear();
  }

  void on_event(Dc& dc, Connection& c, server::Query& query) {
    const CallContext context{dc.id, query.session.auth_key_id, query.session.session_id, query.msg_id};
    std::optional<ApiResult> result = dc.api->handle(context, query.body);
    // nullopt: it waits (invokeAfterMsg) and is answered with the late answers of a later query or
    // of the wait timer.
    if (result) answer(dc, &c, context, std::move(*result), dc.api->last_hints(), dc.api->last_method());
    give_late_answers(dc);
  }

  // Gives the answers of queries that waited (invokeAfterMsg) and were released, then sets the timer
  // for the next waiting query's deadline.
  void give_late_answers(Dc& dc) {
    for (LateAnswer& late : dc.api->take_late_answers()) {
      answer(dc, nullptr, late.context, std::move(late.result), late.hints, late.method);
    }
    const auto deadline = dc.api->next_deadline();
    if (deadline == dc.armed_for) return;
    dc.armed_for = deadline;
    if (!deadline) {
      dc.wait_timer.cancel();
      return;
    }
    dc.wait_timer.expires_at(*deadline);
    dc.wait_timer.async_wait([this, &dc, alive = std::weak_ptr<int>(lifetime)](error_code ec) {
      if (ec || alive.expired()) return;  // re-armed or cancelled (its successor is pending), or gone
      dc.armed_for.reset();
      dc.api->expire(Api::Clock::now());
      give_late_answers(dc);
    });
  }

  // `c`: the connection the query came on, when it is being handled now (a late answer goes to
  // whichever connection the session has).
  void answer(Dc& dc, Connection* c, const CallContext& context, ApiResult result, const AnswerHints& hints,
              const std::string& method) {
    const server::SessionKey session{context.auth_key_id, context.session_id};
    if (auto* error = std::get_if<ApiError>(&result)) {
      spdlog::debug("dc{} {}: {} -> {} {}", dc.id, c ? c->peer : std::string("(late)"), method, error->code,
                    error->message);
    }
    if (hints.drop_connection) {
      // FileFaults::drop_after_parts, World::inject_drop: the connection goes before the answer is
      // given, so the answer waits in its session and leaves on the client's next connection.
      if (!c) {
        const server::ServerSession* s = dc.dispatcher.find_session(session);
        auto it = s && s->connection() ? connections.find(*s->connection()) : connections.end();
        c = it == connections.end() ? nullptr : it->second.get();
      }
      if (c) {
        spdlog::info("dc{} {}: dropping the connection before an answer (injected fault)", dc.id, c->peer);
        close(*c);
        dc.dispatcher.on_connection_closed(c->id);
      }
    }
    const bool compressible = !hints.incompressible;
    // A file part answered while a packet is handled: after_packet writes it at once.
    if (dc.in_packet && hints.incompressible) streamed_answer = true;
    const auto delay = std::max(dc.dispatcher.faults().answer_delay, hints.delay);
    if (delay.count() == 0) return give_answer(dc, session, context.msg_id, result, compressible);
    // Faults::answer_delay, FileFaults::part_delay: the answer leaves later; the output listener
    // flushes it then.
    auto timer = std::make_shared<asio::steady_timer>(io, delay);
    timer->async_wait([this, &dc, timer, session, msg_id = context.msg_id, compressible,
                       result = std::move(result), alive = std::weak_ptr<int>(lifetime)](error_code ec) {
      if (!ec && !alive.expired()) give_answer(dc, session, msg_id, result, compressible);
    });
  }
  static void give_answer(Dc& dc, const server::SessionKey& session, std::uint64_t msg_id,
                          const ApiResult& result, bool compressible) {
    if (const auto* bytes = std::get_if<Bytes>(&result)) {
      dc.dispatcher.answer(session, msg_id, *bytes, compressible);
    } else {
      const auto& error = std::get<ApiError>(result);
      dc.dispatcher.answer_error(session, msg_id, error.code, error.message);
    }
  }
  void on_event(Dc& dc, Connection&, server::TransportError& e) {
    auto it = connections.find(e.connection);
    if (it == connections.end()) return;
    spdlog::info("dc{} {}: transport error {}", dc.id, it->second->peer, e.code);
    auto c = it->second;
    asio::co_spawn(
        io,
        [this, c, code = e.code]() -> awaitable<void> {
          co_await c->socket.send_transport_error(code);
          close(*c);
        },
        asio::detached);
  }
  void on_event(Dc& dc, Connection& c, server::Dropped& e) {
    spdlog::info("dc{} {}: dropped a message ({})", dc.id, c.peer, server::describe(e.reason));
  }
  void on_event(Dc&, Connection&, server::DisconnectAfter& e) {
    auto it = connections.find(e.connection);
    if (it == connections.end()) return;
    auto c = it->second;
    c->disconnect_timer.emplace(io, e.delay);
    c->disconnect_timer->async_wait([this, c](error_code ec) {
      if (!ec) close(*c);
    });
  }
  void on_event(Dc&, Connection&, server::QuickAck& e) {
    if (auto it = connections.find(e.connection); it != connections.end()) queue(*it->second, e.token);
  }
  void on_event(Dc&, Connection&, server::DropConnection& e) {
    if (auto it = connections.find(e.connection); it != connections.end()) close(*it->second);
  }
  void on_event(Dc&, Connection&, server::SessionCreated&) {}
  // A forgotten session_id that comes back is a new session: the msg_ids of the old one are unknown.
  void on_event(Dc& dc, Connection&, server::SessionDestroyed& e) {
    dc.api->forget_session(e.session.auth_key_id, e.session.session_id);
  }
  void on_event(Dc& dc, Connection& c, server::AuthKeyDestroyed& e) {
    spdlog::info("dc{} {}: auth key destroyed", dc.id, c.peer);
    world.forget_auth_key(dc.id, e.auth_key_id);
    dc.api->forget_auth_key(e.auth_key_id);
  }
  void on_event(Dc&, Connection&, server::BadMessage& e) {
    spdlog::debug("bad message {:x}: code {}", e.msg_id, e.code);
  }

  Dc* find_dc(int id) {
    for (Dc& dc : dcs) {
      if (dc.id == id) return &dc;
    }
    return nullptr;
  }

  // World's pushes go to the session's DC (PushFaults delays with a timer).
  bool push(const SessionRef& s, ByteSpan updates, std::chrono::milliseconds delay) {
    Dc* dc = find_dc(s.dc);
    const server::SessionKey key{s.auth_key_id, s.session_id};
    if (!dc || !dc->dispatcher.find_session(key)) return false;
    if (delay.count() == 0) return dc->dispatcher.push(key, updates);
    auto timer = std::make_shared<asio::steady_timer>(io, delay);
    timer->async_wait([dc, key, timer, bytes = Bytes(updates.begin(), updates.end()),
                       alive = std::weak_ptr<int>(lifetime)](error_code ec) {
      if (!ec && !alive.expired()) dc->dispatcher.push(key, bytes);
    });
    return true;
  }

  std::size_t queued_packets() const {
    std::size_t n = 0;
    for (const auto& [id, c] : connections) n += c->pending.size();
    return n;
  }

  // Floods make messages in steps of kFloodStep pushes, then let the event loop flush and write
  // them; while more than kFloodBacklog packets wait for their sockets, they wait too.
  static constexpr int kFloodStep = 64;
  static constexpr std::size_t kFloodBacklog = 256;

  awaitable<void> run_flood(Flood f, std::function<void(const FloodResult&)> done) {
    const auto start = std::chrono::steady_clock::now();
    const auto alive = std::weak_ptr<int>(lifetime);
    std::vector<std::string> texts;
    std::uint64_t sent = 0;
    asio::steady_timer timer(io);
    while (sent < f.count) {
      for (int step = 0; step < kFloodStep && sent < f.count; ++step) {
        Account* from = world.find_account(f.from);
        Account* to = world.find_account(f.to);
        if (!from || !to) break;
        const auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>(static_cast<std::uint64_t>(f.batch), f.count - sent));
        texts.resize(n);
        for (std::size_t i = 0; i < n; ++i) texts[i] = f.text + " " + std::to_string(sent + i + 1);
        if (f.stamp) {
          timespec now{};
          ::clock_gettime(CLOCK_MONOTONIC, &now);
          const std::string stamp =
              " @" + std::to_string(std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec);
          for (auto& text : texts) text += stamp;
        }
        api::send_private(world, *from, *to, texts, false, std::nullopt);
        sent += n;
        if (f.rate > 0) break;
      }
      if (!world.find_account(f.from) || !world.find_account(f.to)) break;
      if (f.rate > 0) {
        timer.expires_at(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(sent) / f.rate)));
      } else if (queued_packets() > kFloodBacklog) {
        timer.expires_after(std::chrono::microseconds(200));
      } else {
        co_await asio::post(io, use_awaitable);
        if (alive.expired()) co_return;
        continue;
      }
      co_await timer.async_wait(as_tuple_awaitable);
      if (alive.expired()) co_return;
    }
    if (done) done(FloodResult{sent, std::chrono::steady_clock::now() - start});
  }

  awaitable<void> serve(Dc& dc, tcp::socket raw) {
    const std::string peer = describe_peer(raw);
    auto accepted = co_await FramedSocket::accept(std::move(raw), kTransportHeaderTimeout);
    if (auto* closed = std::get_if<SocketClosed>(&accepted)) {
      spdlog::info("dc{} {}: {}", dc.id, peer, closed->reason);
      co_return;
    }
    auto c = std::make_shared<Connection>(Connection{
        next_connection++, peer, std::move(std::get<FramedSocket>(accepted)), {}, false, false, {}});
    connections.emplace(c->id, c);
    spdlog::debug("dc{} {}: connected", dc.id, peer);
    handshake::ServerHandshake exchange(handshake_options(dc));
    while (!c->closed) {
      auto event = co_await c->socket.receive();
      if (auto* closed = std::get_if<SocketClosed>(&event)) {
        spdlog::debug("dc{} {}: {}", dc.id, peer, closed->reason);
        break;
      }
      auto* frame = std::get_if<transport::Frame>(&std::get<transport::Event>(event));
      if (!frame) continue;
      ByteSpan payload = frame->payload;
      if (c->socket.codec().framing() == transport::Framing::PaddedIntermediate) {
        auto stripped = transport::strip_transport_padding(payload);
        if (!stripped) continue;
        payload = *stripped;
      }
      if (!is_plain_message(payload)) {
        dc.in_packet = true;  // after_packet() flushes: no posted flush needed
        dc.dispatcher.on_packet(c->id, payload, mtproto::system_now(), events, frame->quick_ack_requested);
        co_await after_packet(dc, *c);
        dc.in_packet = false;
        continue;
      }
      auto step = exchange.on_message(payload, mtproto::system_now());
      if (auto* send = std::get_if<handshake::ServerHandshake::Send>(&step)) {
        queue(*c, std::move(send->message));
      } else if (auto* done = std::get_if<handshake::ServerHandshake::Done>(&step)) {
        spdlog::info("dc{} {}: auth key {:016x} created", dc.id, peer,
                     static_cast<std::uint64_t>(done->key.id_value()));
        dc.dispatcher.add_auth_key(std::move(done->key), done->server_salt, mtproto::system_now());
        queue(*c, std::move(done->message));
      } else {
        auto& failed = std::get<handshake::ServerHandshake::Failed>(step);
        spdlog::info("dc{} {}: handshake refused: {}", dc.id, peer, failed.message);
        co_await c->socket.send_transport_error(failed.transport_error());
        break;
      }
    }
    close(*c);
    dc.dispatcher.on_connection_closed(c->id);
    connections.erase(c->id);
  }
};

TestDc::TestDc(asio::io_context& io, Options options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}
TestDc::~TestDc() = default;

std::optional<std::string> TestDc::start() {
  error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return "bad host '" + impl_->options.host + "': " + ec.message();
  for (int id = 1; id <= impl_->options.dcs; ++id) {
    Dc& dc = impl_->dcs.emplace_back(impl_->io);
    dc.id = id;
    const std::uint16_t port =
        impl_->options.port ? static_cast<std::uint16_t>(impl_->options.port + id - 1) : 0;
    tcp::endpoint endpoint(address, port);
    dc.acceptor.open(endpoint.protocol(), ec);
    if (!ec) dc.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) dc.acceptor.bind(endpoint, ec);
    if (!ec) dc.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return "dc" + std::to_string(id) + ": cannot listen on " + impl_->options.host + ":" +
             std::to_string(port) + ": " + ec.message();
  }
  const auto all = endpoints();
  impl_->world.pushes().set_sink(
      [impl = impl_.get()](const SessionRef& s, ByteSpan updates, std::chrono::milliseconds delay) {
        return impl->push(s, updates, delay);
      });
  for (Dc& dc : impl_->dcs) {
    dc.api = std::make_unique<Api>(impl_->schemas.api, dc.id, all, impl_->world);
    dc.dispatcher.set_output_listener([impl = impl_.get(), &dc] { impl->on_output(dc); });
    asio::co_spawn(impl_->io, impl_->accept_loop(dc), asio::detached);
  }
  return std::nullopt;
}

void TestDc::stop() {
  for (Dc& dc : impl_->dcs) {
    error_code ignored;
    dc.acceptor.close(ignored);
    dc.wait_timer.cancel();  // nothing may keep the io_context running once stopped
  }
  for (auto& [id, c] : impl_->connections) impl_->close(*c);
}

std::vector<DcEndpoint> TestDc::endpoints() const {
  std::vector<DcEndpoint> out;
  for (const Dc& dc : impl_->dcs) {
    error_code ec;
    auto ep = dc.acceptor.local_endpoint(ec);
    out.push_back(DcEndpoint{dc.id, ep.address().to_string(), ep.port()});
  }
  return out;
}

const crypto::RsaPrivateKey& TestDc::key() const { return *impl_->key; }

World& TestDc::world() { return impl_->world; }

int TestDc::send_message(std::int64_t from, std::int64_t to, std::string text) {
  Account* sender = impl_->world.find_account(from);
  Account* recipient = impl_->world.find_account(to);
  if (!sender || !recipient) throw std::invalid_argument("send_message: unknown account");
  const std::string texts[] = {std::move(text)};
  api::send_private(impl_->world, *sender, *recipient, texts, false, std::nullopt);
  return recipient->pts;
}

SentDocument TestDc::send_document(std::int64_t from, std::int64_t to, const std::string& path,
                                   std::string name, std::string mime_type, std::string caption) {
  World& w = impl_->world;
  Account* sender = w.find_account(from);
  Account* recipient = w.find_account(to);
  if (!sender || !recipient) throw std::invalid_argument("send_document: unknown account");
  auto blob = w.files().adopt(path);
  if (blob->size() == 0) throw std::invalid_argument("send_document: " + path + " is empty");
  if (name.empty()) name = path.substr(path.find_last_of('/') + 1);
  if (mime_type.empty()) mime_type = "application/octet-stream";
  const Media& m =
      w.files().add_media(MediaKind::kDocument, std::move(blob), std::move(mime_type),
                          R"([{"_":"documentAttributeFilename","file_name":)" + tl::json_quoted(name) + "}]");
  const api::SentMedia sent =
      api::send_private_media(w, *sender, *recipient, std::move(caption), m, false, 0, std::nullopt);
  return SentDocument{sent.id, sent.recipient_id, m.id, m.size(), m.dc};
}

void TestDc::flood(Flood flood, std::function<void(const FloodResult&)> done) {
  if (!impl_->world.find_account(flood.from) || !impl_->world.find_account(flood.to))
    throw std::invalid_argument("flood: unknown account");
  if (flood.batch < 1) throw std::invalid_argument("flood: batch must be at least 1");
  asio::co_spawn(impl_->io, impl_->run_flood(std::move(flood), std::move(done)), asio::detached);
}

std::size_t TestDc::queued_packets() const { return impl_->queued_packets(); }
std::size_t TestDc::connection_count() const { return impl_->connections.size(); }

mtproto::server::Dispatcher& TestDc::dispatcher(int dc) {
  auto it = impl_->dcs.begin();
  std::advance(it, dc - 1);
  return it->dispatcher;
}

}  // namespace tgd::testdc
