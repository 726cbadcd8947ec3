#pragma once
// End-to-end harness: an in-process test DC and tgd's MtprotoClient on one io_context, a test body
// run as a coroutine under an overall deadline, and helpers to issue calls and check outcomes.
// Include only in e2e test files (it pulls in Asio and doctest).
#include <doctest/doctest.h>

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/crypto/rsa.hpp"
#include "protocol/mtproto/server/dispatcher.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/net/mtproto_client.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "protocol/tl/tl_to_json.hpp"
#include "tests/testdc/test_dc.hpp"

namespace tgd::e2e {

using namespace std::chrono_literals;

// The test DC's RSA key: generating one takes a while, so once per process.
inline std::shared_ptr<const crypto::RsaPrivateKey> server_key() {
  static const auto key = std::make_shared<const crypto::RsaPrivateKey>(crypto::RsaPrivateKey::generate());
  return key;
}

// The TL schema and the queries the tests send, built once per process (parsing the schema takes
// a few milliseconds).
struct Tl {
  tl::Schemas schemas = tl::load_embedded_schemas();
  tl::TlToJson decoder{schemas.api};
  Bytes init;         // invokeWithLayer(initConnection(help.getNearestDc)): a session's first call
  Bytes nearest_dc;   // help.getNearestDc
  Bytes unsupported;  // help.getCdnConfig: the test DC does not serve it

  Tl() {
    tl::JsonToTl encoder(schemas.api);
    init = encode(
        encoder, R"({"_":"invokeWithLayer","layer":223,"query":{"_":"initConnection","api_id":1,)"
                 R"("device_model":"e2e","system_version":"linux","app_version":"1","system_lang_code":"en",)"
                 R"("lang_pack":"","lang_code":"en","query":{"_":"help.getNearestDc"}}})");
    nearest_dc = encode(encoder, R"({"_":"help.getNearestDc"})");
    unsupported = encode(encoder, R"({"_":"help.getCdnConfig"})");
  }

  static Bytes encode(tl::JsonToTl& encoder, std::string_view json) {
    Bytes out;
    auto error = encoder.encode_object_text(json, out);
    REQUIRE_MESSAGE(!error, std::string(json));
    return out;
  }

  // The answer as tgd's JSON, or "" when it does not decode.
  std::string to_json(ByteSpan answer) const {
    std::string out;
    return decoder.decode_object(answer, out) ? std::string() : out;
  }
};

inline Tl& tl_fixture() {
  static Tl fixture;
  return fixture;
}

// True for a help.getNearestDc answer naming this_dc.
inline bool is_nearest_dc(const net::CallResult& result, int this_dc) {
  const auto* bytes = std::get_if<Bytes>(&result);
  if (bytes == nullptr) return false;
  const std::string json = tl_fixture().to_json(*bytes);
  return json.find(R"("_":"nearestDc")") != std::string::npos &&
         json.find(R"("this_dc":)" + std::to_string(this_dc) + ",") != std::string::npos;
}

inline std::string describe(const net::CallResult& result) {
  if (std::holds_alternative<Bytes>(result)) return "answer";
  if (const auto* e = std::get_if<net::RpcError>(&result))
    return "rpc_error " + std::to_string(e->code) + " " + e->message;
  return "failed: " + std::get<net::CallFailed>(result).reason;
}

inline net::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  net::asio::steady_timer timer(co_await net::asio::this_coro::executor, d);
  co_await timer.async_wait(net::as_tuple_awaitable);
}

// Polls `condition` every millisecond; false if it is still false after `limit`.
inline net::awaitable<bool> wait_until(std::function<bool()> condition,
                                       std::chrono::milliseconds limit = 2s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > end) co_return false;
    co_await sleep_for(1ms);
  }
  co_return true;
}

// What happened to a batch of calls: how often each one completed (must be exactly once) and its
// last outcome. A handle on shared state: the call coroutines keep it alive even when a failed test
// body returns before they complete.
class Outcomes {
 public:
  bool all_done() const { return d_->done == d_->completions.size(); }
  std::size_t done() const { return d_->done; }
  const std::vector<net::CallResult>& results() const { return d_->results; }
  bool each_exactly_once() const {
    for (int n : d_->completions) {
      if (n != 1) return false;
    }
    return true;
  }
  std::size_t count(bool (*pred)(const net::CallResult&)) const {
    std::size_t n = 0;
    for (const auto& r : d_->results) n += pred(r) ? 1 : 0;
    return n;
  }

  // Issues `n` calls of `query` now, all in the current turn of the event loop, each from its own
  // coroutine. co_spawn starts each coroutine through the executor's queue, so the calls reach the
  // client in consecutive handlers of one turn, ahead of the flush the first one posts.
  void issue(const net::asio::any_io_executor& executor, net::MtprotoClient& client, std::size_t n,
             const Bytes& query, net::CallOptions options = {}) {
    const std::size_t first = d_->completions.size();
    d_->completions.resize(first + n, 0);
    d_->results.resize(first + n);
    for (std::size_t i = first; i < first + n; ++i) {
      net::asio::co_spawn(
          executor,
          [&client, d = d_, query, options, i]() -> net::awaitable<void> {
            auto result = co_await client.call(query, options);
            d->results[i] = std::move(result);
            if (++d->completions[i] == 1) ++d->done;
          },
          net::asio::detached);
    }
  }

 private:
  struct Data {
    std::vector<int> completions;
    std::vector<net::CallResult> results;
    std::size_t done = 0;
  };
  std::shared_ptr<Data> d_ = std::make_shared<Data>();
};

// Issues `n` calls and waits until each has its outcome (or `limit` passes).
inline net::awaitable<bool> call_all(net::MtprotoClient& client, std::size_t n, const Bytes& query,
                                     Outcomes& out, net::CallOptions options = {},
                                     std::chrono::milliseconds limit = 3s) {
  out.issue(co_await net::asio::this_coro::executor, client, n, query, options);
  // [&]: g++ 12 destroys a co_await operand's temporaries twice when they own something (a
  // lambda holding a shared_ptr crashed here); a reference capture owns nothing.
  co_return co_await wait_until([&out] { return out.all_done(); }, limit);
}

inline bool is_answer(const net::CallResult& r) { return std::holds_alternative<Bytes>(r); }

// A test DC with two DCs and a client of DC 2, on one io_context.
class Harness {
 public:
  static constexpr int kDc = 2;

  explicit Harness(const std::function<void(net::ClientOptions&)>& tweak = {}) {
    dc = std::make_unique<testdc::TestDc>(io, testdc::Options{"127.0.0.1", 0, 2, server_key()});
    auto error = dc->start();
    REQUIRE_MESSAGE(!error, error.value_or(""));
    const auto endpoint = dc->endpoints()[kDc - 1];
    options.dc = {endpoint.host, endpoint.port, kDc};
    options.rsa_keys = {server_key()->public_key()};
    // Loopback reconnects need no long pauses; keep the fault tests fast.
    options.reconnect_initial = 5ms;
    options.reconnect_max = 100ms;
    if (tweak) tweak(options);
    client = std::make_unique<net::MtprotoClient>(io.get_executor(), options);
  }

  mtproto::server::Dispatcher& dispatcher() { return dc->dispatcher(kDc); }

  // Runs `body` to completion within `limit`, then stops the client and the DC; every loop of
  // both must then end by itself (the io_context runs out of work), or something hangs.
  void run(std::function<net::awaitable<void>()> body, std::chrono::milliseconds limit = 4s) {
    bool done = false;
    std::exception_ptr error;
    net::asio::co_spawn(
        io, [&]() -> net::awaitable<void> { co_await body(); },
        [&](std::exception_ptr e) {
          error = e;
          done = true;
          client->stop();
          dc->stop();
        });
    const auto start = std::chrono::steady_clock::now();
    io.run_for(limit);
    if (!done) {
      FAIL_CHECK("the test body did not finish within " << limit.count() << " ms");
      client->stop();
      dc->stop();
      io.run_for(1s);
    }
    if (error) std::rethrow_exception(error);
    CHECK_MESSAGE(io.stopped(), "work left on the io_context after stop()");
    CHECK(std::chrono::steady_clock::now() - start < limit);
  }

  net::asio::io_context io;
  std::unique_ptr<testdc::TestDc> dc;
  net::ClientOptions options;
  std::unique_ptr<net::MtprotoClient> client;
};

}  // namespace tgd::e2e
