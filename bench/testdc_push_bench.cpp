// The test DC's flood path (issue #6): how many pushed updates per second tgd-testdc makes and
// sends to one session. The test DC runs on one thread (one core), tgd's MtprotoClient on another
// and counts the Update objects it receives; a flood of `--count` private messages in pushes of
// `--batch` goes from Alice to Bob. Prints updates/s end to end (first push made to last update
// received) and the test DC thread's CPU time per update.
//
//   bench_testdc_push [--count N] [--batch B] [--runs R]
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "protocol/crypto/auth_key.hpp"
#include "protocol/net/asio.hpp"
#include "protocol/net/mtproto_client.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"
#include "tests/testdc/test_dc.hpp"

using namespace tgd;
namespace asio = boost::asio;

namespace {

double thread_cpu_seconds(pthread_t thread) {
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::uint32_t read_u32(ByteSpan b, std::size_t at) {
  std::uint32_t v = 0;
  if (b.size() >= at + 4) std::memcpy(&v, b.data() + at, 4);
  return v;
}

// Update objects in a pushed Updates: updates#74ae4240 holds a vector (its count follows the
// vector id); the short forms hold one.
std::size_t count_updates(ByteSpan push) {
  const std::uint32_t id = read_u32(push, 0);
  if (id == 0x74ae4240) return read_u32(push, 8);
  if (id == 0x313bc7f8) return 1;
  return 0;
}

// Runs `f` on the DC's thread and waits for its result.
template <typename F>
auto on(asio::io_context& io, F f) {
  std::promise<decltype(f())> done;
  auto result = done.get_future();
  asio::post(io, [&] { done.set_value(f()); });
  return result.get();
}

struct Result {
  double seconds = 0;
  double dc_cpu = 0;
  std::uint64_t updates = 0;
  std::uint64_t pushes = 0;
};

Result run(std::uint64_t count, int batch) {
  asio::io_context dc_io;
  auto work = asio::make_work_guard(dc_io);
  testdc::TestDc dc(dc_io, testdc::Options{"127.0.0.1", 0, 2, nullptr});
  if (auto error = dc.start()) throw std::runtime_error(*error);
  const std::int64_t alice = dc.world().create_user("9996611000", "Alice").id;
  const std::int64_t bob = dc.world().create_user("9996621000", "Bob").id;
  std::thread dc_thread([&] { dc_io.run(); });
  const pthread_t dc_handle = dc_thread.native_handle();

  asio::io_context client_io;
  net::ClientOptions options;
  const auto endpoint = dc.endpoints()[1];
  options.dc = {endpoint.host, endpoint.port, 2};
  options.rsa_keys = {dc.key().public_key()};
  net::MtprotoClient client(client_io.get_executor(), options);
  std::atomic<std::uint64_t> received{0}, pushes{0};
  std::chrono::steady_clock::time_point last_update;
  client.on_update([&](ByteSpan push) {
    received += count_updates(push);
    ++pushes;
    last_update = std::chrono::steady_clock::now();
  });

  const tl::Schemas schemas = tl::load_embedded_schemas();
  tl::JsonToTl encoder(schemas.api);
  const auto encode = [&](std::string_view json) {
    Bytes out;
    if (encoder.encode_object_text(json, out)) throw std::runtime_error("bad query");
    return out;
  };
  const Bytes init = encode(
      R"({"_":"invokeWithLayer","layer":223,"query":{"_":"initConnection","api_id":1,"device_model":"bench",)"
      R"("system_version":"linux","app_version":"1","system_lang_code":"en","lang_pack":"","lang_code":"en",)"
      R"("query":{"_":"help.getNearestDc"}}})");
  const Bytes get_state = encode(R"({"_":"updates.getState"})");

  Result result;
  std::chrono::steady_clock::time_point start;
  double cpu_start = 0;
  asio::co_spawn(
      client_io,
      [&]() -> asio::awaitable<void> {
        client.start();
        co_await client.call(init);
        const auto key = crypto::AuthKey::from_bytes(client.auth_key()->key);
        const auto key_id = static_cast<std::uint64_t>(key->id_value());
        on(dc_io, [&] {
          dc.world().authorize(2, key_id, bob);
          return 0;
        });
        co_await client.call(get_state);  // subscribes the session
        cpu_start = thread_cpu_seconds(dc_handle);
        start = std::chrono::steady_clock::now();
        on(dc_io, [&] {
          dc.flood(testdc::Flood{alice, bob, count, 0, batch, "flood"});
          return 0;
        });
        asio::steady_timer timer(client_io);
        while (received < count) {
          timer.expires_after(std::chrono::milliseconds(1));
          co_await timer.async_wait(asio::use_awaitable);
        }
        result.seconds = std::chrono::duration<double>(last_update - start).count();
        result.dc_cpu = thread_cpu_seconds(dc_handle) - cpu_start;
        result.updates = received;
        result.pushes = pushes;
        client.stop();
      },
      asio::detached);
  client_io.run();
  asio::post(dc_io, [&] { dc.stop(); });
  work.reset();
  dc_thread.join();
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t count = 500000;
  int batch = 10;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--count") count = std::stoull(argv[i + 1]);
    if (flag == "--batch") batch = std::stoi(argv[i + 1]);
    if (flag == "--runs") runs = std::stoi(argv[i + 1]);
  }
  spdlog::set_level(spdlog::level::warn);
  std::vector<double> rates;
  for (int r = 0; r < runs; ++r) {
    const Result res = run(count, batch);
    const double rate = static_cast<double>(res.updates) / res.seconds;
    rates.push_back(rate);
    std::printf(
        "run %d: %llu updates in %llu pushes (batch %d) in %.3f s: %.0f updates/s, %.0f pushes/s; "
        "test DC thread CPU %.3f s = %.2f us/update\n",
        r + 1, static_cast<unsigned long long>(res.updates), static_cast<unsigned long long>(res.pushes),
        batch, res.seconds, rate, static_cast<double>(res.pushes) / res.seconds, res.dc_cpu,
        res.dc_cpu * 1e6 / static_cast<double>(res.updates));
  }
  std::sort(rates.begin(), rates.end());
  std::printf("median: %.0f updates/s (batch %d, %d runs)\n", rates[rates.size() / 2], batch, runs);
  return 0;
}
