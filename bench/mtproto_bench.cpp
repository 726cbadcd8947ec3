// MTProto end-to-end benchmark (issue #3): one connection from tgd's client to tgd-testdc running
// in a separate process, N small requests (help.getNearestDc) with K in flight. Reports
// requests/s, p50/p99 latency, container fill, and the CPU time of client and server separately.
//
//   bench_mtproto [--requests 1000000] [--inflight 1000] [--testdc PATH]
#include <simdjson.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "protocol/net/asio.hpp"
#include "protocol/net/mtproto_client.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "protocol/tl/json_to_tl.hpp"

extern char** environ;

using namespace tgd;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  long requests = 1'000'000;
  int inflight = 1000;
  std::string testdc = TGD_TESTDC_PATH;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i];
    if (key == "--requests")
      a.requests = std::atol(argv[i + 1]);
    else if (key == "--inflight")
      a.inflight = std::atoi(argv[i + 1]);
    else if (key == "--testdc")
      a.testdc = argv[i + 1];
  }
  return a;
}

// The test DC as a child process whose stdout's first line is its JSON description.
struct TestDcProcess {
  pid_t pid = -1;
  std::string ready_line;

  bool start(const std::string& path) {
    int out[2];
    if (pipe(out) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<char*> argv = {const_cast<char*>(path.c_str()), const_cast<char*>("--dcs"),
                               const_cast<char*>("1"), nullptr};
    int rc = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) return false;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') ready_line += c;
    close(out[0]);
    return !ready_line.empty();
  }
  // utime + stime of the child so far, from /proc (it is still running).
  double cpu_seconds() const {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto close_paren = content.rfind(')');
    std::vector<std::string> fields;
    std::string field;
    for (std::size_t i = close_paren + 2; i < content.size(); ++i) {
      if (content[i] == ' ') {
        fields.push_back(field);
        field.clear();
      } else {
        field += content[i];
      }
    }
    // After the name: state is field 0; utime and stime are fields 11 and 12.
    if (fields.size() < 13) return 0;
    return (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  void stop() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status;
      waitpid(pid, &status, 0);
    }
  }
};

double self_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

Bytes encode(tl::JsonToTl& encoder, std::string_view json) {
  Bytes out;
  if (auto err = encoder.encode_object_text(json, out)) {
    std::fprintf(stderr, "cannot encode %s: %s\n", std::string(json).c_str(), err->to_string().c_str());
    std::exit(1);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  TestDcProcess server;
  if (!server.start(args.testdc)) {
    std::fprintf(stderr, "cannot start %s\n", args.testdc.c_str());
    return 1;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element ready = parser.parse(server.ready_line).value();
  simdjson::dom::element dc1 = ready["dcs"].at(0).value();
  std::string_view pem = ready["public_key_pem"].get_string().value();

  net::ClientOptions options;
  options.dc = {std::string(dc1["host"].get_string().value()),
                static_cast<std::uint16_t>(dc1["port"].get_int64().value()), 1};
  options.rsa_keys = {*crypto::RsaPublicKey::from_pem(pem)};

  auto schemas = tl::load_embedded_schemas();
  tl::JsonToTl encoder(schemas.api);
  const Bytes init = encode(
      encoder, R"({"_":"invokeWithLayer","layer":223,"query":{"_":"initConnection","api_id":1,)"
               R"("device_model":"bench","system_version":"linux","app_version":"1","system_lang_code":"en",)"
               R"("lang_pack":"","lang_code":"en","query":{"_":"help.getNearestDc"}}})");
  const Bytes query = encode(encoder, R"({"_":"help.getNearestDc"})");

  net::asio::io_context io;
  net::MtprotoClient client(io.get_executor(), options);
  client.start();

  std::vector<double> latencies_us;
  latencies_us.reserve(static_cast<std::size_t>(args.requests));
  long issued = 0, answered = 0, failed = 0;
  Clock::time_point start;
  double client_cpu0 = 0, server_cpu0 = 0;

  auto worker = [&]() -> net::awaitable<void> {
    while (issued < args.requests) {
      ++issued;
      const auto t0 = Clock::now();
      auto result = co_await client.call(query);
      latencies_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      if (std::holds_alternative<Bytes>(result)) {
        ++answered;
      } else {
        ++failed;
      }
    }
  };

  net::asio::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        auto first = co_await client.call(init);  // connect, create the key, initConnection
        if (!std::holds_alternative<Bytes>(first)) {
          std::fprintf(stderr, "initConnection failed\n");
          client.stop();
          co_return;
        }
        start = Clock::now();
        client_cpu0 = self_cpu_seconds();
        server_cpu0 = server.cpu_seconds();
        for (int i = 0; i < args.inflight; ++i) net::asio::co_spawn(io, worker(), net::asio::detached);
      },
      net::asio::detached);

  // Stop once every request is answered.
  net::asio::steady_timer poll(io);
  std::function<void()> check = [&] {
    if (answered + failed >= args.requests) {
      client.stop();
      return;
    }
    poll.expires_after(std::chrono::milliseconds(5));
    poll.async_wait([&](auto) { check(); });
  };
  check();
  io.run();

  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  const double client_cpu = self_cpu_seconds() - client_cpu0;
  const double server_cpu = server.cpu_seconds() - server_cpu0;
  server.stop();

  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us.empty() ? 0.0 : latencies_us[static_cast<std::size_t>(p * (latencies_us.size() - 1))];
  };
  const auto counters = client.counters();
  const double fill = counters.containers_sent ? static_cast<double>(counters.container_messages) /
                                                     static_cast<double>(counters.containers_sent)
                                               : 0.0;
  std::printf(
      "requests: %ld answered, %ld failed, %d in flight, one connection (obfuscated padded intermediate)\n\n",
      answered, failed, args.inflight);
  std::printf("| measurement | result |\n|---|---|\n");
  std::printf("| throughput | %.0f requests/s |\n", static_cast<double>(answered) / wall);
  std::printf("| latency p50 / p99 | %.0f us / %.0f us |\n", pct(0.50), pct(0.99));
  std::printf("| client CPU per request | %.2f us |\n", client_cpu / static_cast<double>(answered) * 1e6);
  std::printf("| server (tgd-testdc) CPU per request | %.2f us |\n",
              server_cpu / static_cast<double>(answered) * 1e6);
  std::printf("| containers sent / mean fill | %llu / %.1f messages |\n",
              static_cast<unsigned long long>(counters.containers_sent), fill);
  std::printf("| packets sent / received | %llu / %llu |\n",
              static_cast<unsigned long long>(counters.packets_sent),
              static_cast<unsigned long long>(counters.packets_received));
  std::printf("| wall time | %.2f s |\n", wall);
  return failed ? 1 : 0;
}
