// subscribe, unsubscribe and getUpdates through rpc::Methods, without the network: sessions that
// never log in, a real store and UpdateStream, and fake callers (a push-capable connection and a
// plain HTTP one).
#include <doctest/doctest.h>
#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon/session/session_manager.hpp"
#include "daemon/store/store.hpp"
#include "daemon/stream/update_stream.hpp"
#include "protocol/crypto/rsa.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "rpc/methods/methods.hpp"
#include "tests/support/temp_dir.hpp"

using namespace tgd;
using namespace std::chrono_literals;

namespace {

const tl::Schemas& schemas() {
  static const tl::Schemas s = tl::load_embedded_schemas();
  return s;
}

class RecordingCaller : public rpc::Caller {
 public:
  RecordingCaller(std::uint64_t id, bool push) : id_(id), push_(push) {}
  std::uint64_t connection_id() const override { return id_; }
  bool notify(std::string n) override {
    if (!push_) return false;
    notes.push_back(std::move(n));
    return true;
  }
  bool alive() const override { return true; }
  bool can_notify() const override { return push_; }
  std::vector<std::string> notes;

 private:
  std::uint64_t id_;
  bool push_;
};

struct Fixture {
  explicit Fixture(bool with_stream = true) {
    auto opened = store::Store::open(dir.path());
    REQUIRE(std::holds_alternative<std::unique_ptr<store::Store>>(opened));
    store = std::move(std::get<std::unique_ptr<store::Store>>(opened));
    stream = std::make_unique<stream::UpdateStream>(io.get_executor(), *store);
    session::InvokerOptions defaults;
    defaults.layer = schemas().api.layer();
    // Nowhere real: a closed loopback port (the sessions never log in; they only try help.getConfig).
    static const std::string pem = crypto::RsaPrivateKey::generate(2048).public_key().to_pem();
    auto target = session::DcTarget::custom({{1, "127.0.0.1", 9}}, pem);
    REQUIRE(std::holds_alternative<session::DcTarget>(target));
    defaults.target = std::get<session::DcTarget>(target);
    manager =
        std::make_unique<session::SessionManager>(io.get_executor(), schemas().api, store.get(), defaults);
    rpc::MethodsOptions options;
    if (with_stream) options.updates = stream.get();
    methods = std::make_unique<rpc::Methods>(*manager, schemas().api, store.get(), options);
  }
  ~Fixture() {
    methods.reset();
    manager->stop();
    io.run_for(10ms);
    manager.reset();
    stream.reset();
  }

  void add(const std::string& name) {
    REQUIRE(std::holds_alternative<session::Session*>(manager->add(name)));
  }

  rpc::Outcome call(std::string method, std::string params, std::shared_ptr<rpc::Caller> caller) {
    rpc::Outcome outcome = rpc::Error{};
    bool done = false;
    const rpc::Request request{std::move(method), std::move(params), std::string("1")};
    boost::asio::co_spawn(io, methods->call(request, std::move(caller)),
                          [&](std::exception_ptr e, rpc::Outcome o) {
                            REQUIRE(!e);
                            outcome = std::move(o);
                            done = true;
                          });
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < end) io.run_for(1ms);
    REQUIRE(done);
    return outcome;
  }
  rpc::Outcome call(std::string method, std::string params) {
    return call(std::move(method), std::move(params), push);
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  test::TempDir dir{"tgd-update-methods"};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<stream::UpdateStream> stream;
  std::unique_ptr<session::SessionManager> manager;
  std::unique_ptr<rpc::Methods> methods;
  std::shared_ptr<RecordingCaller> push = std::make_shared<RecordingCaller>(1, true);
  std::shared_ptr<RecordingCaller> http = std::make_shared<RecordingCaller>(2, false);
};

std::string result_of(const rpc::Outcome& o) {
  const auto* e = std::get_if<rpc::Error>(&o);
  REQUIRE_MESSAGE(e == nullptr, (e ? std::to_string(e->code) + " " + e->message : ""));
  return std::get<std::string>(o);
}

rpc::Error error_of(const rpc::Outcome& o) {
  REQUIRE_MESSAGE(std::holds_alternative<rpc::Error>(o), (std::string("result ") + std::get<std::string>(o)));
  return std::get<rpc::Error>(o);
}

// The error's code, and its message contains `part`.
void check_error(const rpc::Outcome& o, int code, std::string_view part) {
  const rpc::Error e = error_of(o);
  CHECK(e.code == code);
  CHECK_MESSAGE(e.message.find(part) != std::string::npos, e.message);
}

}  // namespace

TEST_CASE("subscribe over HTTP (or without a connection) is refused with -32010, pointing to getUpdates") {
  Fixture f;
  f.add("alice");
  const rpc::Error e = error_of(f.call("subscribe", "{}", f.http));
  CHECK(e.code == rpc::codes::kPushUnavailable);
  CHECK(e.message.find("UNIX socket or a WebSocket") != std::string::npos);
  CHECK(e.message.find("getUpdates") != std::string::npos);
  CHECK(e.data == R"({"use":"getUpdates"})");
  check_error(f.call("subscribe", "{}", nullptr), rpc::codes::kPushUnavailable, "getUpdates");
  // getUpdates works there.
  CHECK(result_of(f.call("getUpdates", "{}", f.http)) == R"({"updates":[],"next_offset":1})");
}

TEST_CASE("subscribe: params checked, then notifications reach the connection") {
  Fixture f;
  f.add("alice");
  f.add("bob");
  check_error(f.call("subscribe", R"({"sessions":["carol"]})"), rpc::codes::kUnknownSession,
              "no session 'carol'");
  check_error(f.call("subscribe", R"({"sessions":[1]})"), rpc::codes::kInvalidParams, "params.sessions");
  check_error(f.call("subscribe", R"({"sessions":[]})"), rpc::codes::kInvalidParams, "empty list");
  check_error(f.call("subscribe", R"({"types":["updateNewMesage"]})"), rpc::codes::kInvalidParams,
              "\"updateNewMesage\" is not a constructor");
  check_error(f.call("subscribe", R"({"types":["messages.sendMessage"]})"), rpc::codes::kInvalidParams,
              "not a constructor");
  check_error(f.call("subscribe", R"({"peers":[-5000000000000000]})"), rpc::codes::kInvalidParams,
              "not a Bot-API peer id");
  check_error(f.call("subscribe", R"({"peers":["@durov"]})"), rpc::codes::kInvalidParams,
              "needs one session");
  check_error(f.call("subscribe", R"({"since":3})"), rpc::codes::kInvalidParams, "{\"session\": seq}");
  check_error(f.call("subscribe", R"({"since":"x"})"), rpc::codes::kInvalidParams, "params.since");
  check_error(f.call("subscribe", R"({"since":{"alice":1.5}})"), rpc::codes::kInvalidParams,
              "params.since.alice");
  check_error(f.call("subscribe", R"({"since":{"alice":7}})"), rpc::codes::kInvalidParams,
              "past the session's last seq (0)");
  check_error(f.call("subscribe", R"({"sessions":"bob","since":{"alice":0}})"), rpc::codes::kInvalidParams,
              "not among the subscribed");
  check_error(f.call("subscribe", R"({"sessoins":["alice"]})"), rpc::codes::kInvalidParams, "unknown field");
  check_error(f.call("subscribe", R"({"sessions":"alice","peers":["me"]})"), rpc::codes::kNotLoggedIn,
              "\"me\"");

  const std::string ok = result_of(f.call(
      "subscribe", R"({"sessions":"alice","types":"updateNewMessage","peers":[777,"-1001234"],"since":0})"));
  CHECK(ok == R"({"subscription":1})");
  f.stream->publish(
      "alice",
      {R"({"_":"updateNewMessage","message":{"_":"message","id":1,"peer_id":{"_":"peerUser","user_id":"777"},"date":1,"message":"hi"},"pts":1,"pts_count":1})"},
      R"({"pts":1,"qts":0,"date":0,"seq":0})");
  REQUIRE(f.store->flush());
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (f.push->notes.empty() && std::chrono::steady_clock::now() < end) f.io.run_for(1ms);
  REQUIRE(f.push->notes.size() == 1);
  CHECK(f.push->notes[0].starts_with(
      R"({"jsonrpc":"2.0","method":"update","params":{"subscription":1,"session":"alice","seq":1,"update":{"_":"updateNewMessage")"));
}

TEST_CASE("unsubscribe: the id is checked and must be this connection's") {
  Fixture f;
  f.add("alice");
  check_error(f.call("unsubscribe", "{}"), rpc::codes::kInvalidParams, "params.subscription: required");
  check_error(f.call("unsubscribe", R"({"subscription":"1"})"), rpc::codes::kInvalidParams,
              "a number expected");
  check_error(f.call("unsubscribe", R"({"subscription":1})"), rpc::codes::kInvalidParams,
              "no subscription 1");
  CHECK(result_of(f.call("subscribe", "{}")) == R"({"subscription":1})");
  auto other = std::make_shared<RecordingCaller>(7, true);
  check_error(f.call("unsubscribe", R"({"subscription":1})", other), rpc::codes::kInvalidParams,
              "on this connection");
  CHECK(result_of(f.call("unsubscribe", R"({"subscription":1})")) == R"({"unsubscribed":1})");
  check_error(f.call("unsubscribe", R"({"subscription":1})"), rpc::codes::kInvalidParams,
              "no subscription 1");
}

TEST_CASE("getUpdates: params checked, the session picked like the other methods") {
  Fixture f;
  check_error(f.call("getUpdates", "{}"), rpc::codes::kUnknownSession, "no sessions yet");
  f.add("alice");
  f.add("bob");
  check_error(f.call("getUpdates", "{}"), rpc::codes::kUnknownSession, "several sessions");
  check_error(f.call("getUpdates", R"({"session":"carol"})"), rpc::codes::kUnknownSession,
              "no session 'carol'");
  check_error(f.call("getUpdates", R"({"session":"alice","limit":0})"), rpc::codes::kInvalidParams,
              "1 to 1000");
  check_error(f.call("getUpdates", R"({"session":"alice","limit":1001})"), rpc::codes::kInvalidParams,
              "1 to 1000");
  check_error(f.call("getUpdates", R"({"session":"alice","timeout":51})"), rpc::codes::kInvalidParams,
              "0 to 50");
  check_error(f.call("getUpdates", R"({"session":"alice","offset":1.5})"), rpc::codes::kInvalidParams,
              "params.offset");
  f.stream->publish("alice", {R"({"_":"updateConfig"})", R"({"_":"updateConfig"})"},
                    R"({"pts":1,"qts":0,"date":0,"seq":0})");
  REQUIRE(f.store->flush());
  CHECK(result_of(f.call("getUpdates", R"({"session":"alice","offset":2,"limit":5})")) ==
        R"({"updates":[{"session":"alice","seq":2,"update":{"_":"updateConfig"}}],"next_offset":3})");
  CHECK(result_of(f.call("getUpdates", R"({"session":"alice","timeout":0.05})")) ==
        R"({"updates":[],"next_offset":3})");
}

TEST_CASE("the update methods without an update stream, and in help") {
  Fixture f(false);
  f.add("alice");
  check_error(f.call("subscribe", "{}"), rpc::codes::kUnavailable, "not enabled");
  check_error(f.call("getUpdates", "{}"), rpc::codes::kUnavailable, "not enabled");
  const std::string help = result_of(f.call("help", "{}"));
  for (std::string_view name : {"\"subscribe\"", "\"unsubscribe\"", "\"getUpdates\""})
    CHECK(help.find(name) != std::string::npos);
  const std::string one = result_of(f.call("help", R"({"method":"subscribe"})"));
  CHECK(one.find(R"x("type":"array (or one value)")x") != std::string::npos);
  CHECK(one.find("lagged") != std::string::npos);
}
