// The server over its UNIX socket (NDJSON) with a fake MethodHandler: JSON-RPC 2.0 edge cases,
// the socket file, limits, cancellation and load.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "tests/rpc/server/test_server.hpp"

using namespace tgd::rpc;
using namespace tgd::rpc::test;
using namespace std::chrono_literals;

namespace {

// One request line, answered by one line.
std::string ask(LineClient& client, std::string_view line) {
  client.send(line);
  return client.read_line().value_or("<no answer>");
}

bool eventually(auto condition, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

}  // namespace

TEST_CASE("UNIX socket: a request is answered on one line with its id and the raw result") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  REQUIRE(client.connected());
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","params":{"a": [1, 2.50, "x"]},"id":1})") ==
        R"({"jsonrpc":"2.0","id":1,"result":{"a": [1, 2.50, "x"]}})");
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","id":2})") ==
        R"({"jsonrpc":"2.0","id":2,"result":{}})");
}

TEST_CASE("UNIX socket: ids of every JSON type are echoed exactly as written") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  for (std::string id : {"0", "-17", "123456789012345678901234567890", "1.50", "2.5e+300", "1E400", "\"s\"",
                         R"("\u00e9\n\"")", "\"\"", "null"}) {
    CAPTURE(id);
    CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","params":[],"id":)" + id + "}") ==
          R"({"jsonrpc":"2.0","id":)" + id + R"(,"result":[]})");
  }
}

TEST_CASE("UNIX socket: malformed JSON, wrong version, bad members and empty batch get -32700/-32600") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","id":1)")
            .starts_with(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,)"));
  CHECK(ask(client, "not json").starts_with(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,)"));
  CHECK(ask(client, R"({"jsonrpc":"1.0","method":"echo","id":5})")
            .starts_with(R"({"jsonrpc":"2.0","id":5,"error":{"code":-32600,)"));
  CHECK(ask(client, R"({"method":"echo","id":"a"})")
            .starts_with(R"({"jsonrpc":"2.0","id":"a","error":{"code":-32600,)"));
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":1,"id":6})")
            .starts_with(R"({"jsonrpc":"2.0","id":6,"error":{"code":-32600,)"));
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","params":3,"id":7})")
            .starts_with(R"({"jsonrpc":"2.0","id":7,"error":{"code":-32600,)"));
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","id":{}})")
            .starts_with(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,)"));
  CHECK(ask(client, "[]").starts_with(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,)"));
  // The connection still serves after all that.
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","params":[1],"id":8})") ==
        R"({"jsonrpc":"2.0","id":8,"result":[1]})");
  auto stats = server.stats();
  CHECK(stats.errors[codes::kParseError] == 2);
  CHECK(stats.errors[codes::kInvalidRequest] == 6);
}

TEST_CASE("UNIX socket: a mixed batch is answered in order, each entry on its own, notifications skipped") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  std::string answer =
      ask(client, R"([{"jsonrpc":"2.0","method":"sleep","params":[30],"id":"slow"},)"
                  R"({"jsonrpc":"2.0","method":"echo","params":[2],"id":2}, 1,)"
                  R"({"jsonrpc":"2.0","method":"echo","params":[3]},)"
                  R"({"jsonrpc":"2.0","method":"nope","id":4}, {"jsonrpc":"2.0","method":"fail","id":5}])");
  CHECK(answer ==
        R"([{"jsonrpc":"2.0","id":"slow","result":true},{"jsonrpc":"2.0","id":2,"result":[2]},)"
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: not an object"}},)"
        R"({"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"method not found: nope"}},)"
        R"({"jsonrpc":"2.0","id":5,"error":{"code":42,"message":"it failed","data":{"why":"asked"}}}])");
}

TEST_CASE("UNIX socket: notifications run and answer nothing, also a batch of them") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  client.send(R"({"jsonrpc":"2.0","method":"sleep","params":[1]})");
  client.send(
      R"([{"jsonrpc":"2.0","method":"sleep","params":[1]},{"jsonrpc":"2.0","method":"sleep","params":[1]}])");
  client.send(R"({"jsonrpc":"2.0","method":"nope"})");
  CHECK(eventually([&] { return server.counters().completed == 3; }));
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","params":["after"],"id":1})") ==
        R"({"jsonrpc":"2.0","id":1,"result":["after"]})");
  CHECK(server.stats().notifications == 4);
}

TEST_CASE("UNIX socket: the handler's errors pass through, an exception becomes -32603") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"users.getNothing","id":1})") ==
        R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method not found: users.getNothing"}})");
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"throw","id":2})") ==
        R"({"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"boom"}})");
}

TEST_CASE("UNIX socket: blank lines are skipped, CRLF accepted, a last line without newline answered") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  client.send_raw("\n  \r\n{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1],\"id\":1}\r\n");
  CHECK(client.read_line() == R"({"jsonrpc":"2.0","id":1,"result":[1]})");
  // Like `printf ... | socat - UNIX-CONNECT:...`: the client stops sending and waits for answers.
  client.send_raw(R"({"jsonrpc":"2.0","method":"sleep","params":[50],"id":2})");
  client.shutdown_write();
  CHECK(client.read_line() == R"({"jsonrpc":"2.0","id":2,"result":true})");
  CHECK(client.closed_by_server());
}

TEST_CASE("UNIX socket: the socket file is created 0600 by default, with the configured mode otherwise") {
  {
    TestServer server(test_options());
    REQUIRE_FALSE(server.start());
    struct stat st {};
    REQUIRE(::stat(server.unix_path().c_str(), &st) == 0);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 07777) == 0600);
  }
  auto options = test_options();
  options.unix_mode = 0660;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  struct stat st {};
  REQUIRE(::stat(server.unix_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0660);
}

TEST_CASE("UNIX socket: a stale socket file is replaced, a live one is not stolen, the file goes on stop") {
  auto options = test_options();
  const std::string path = options.unix_path;
  {  // A stale socket: bound, then its process gone.
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    ::close(fd);
  }
  TestServer first(options);
  REQUIRE_FALSE(first.start());
  TestServer second(options);
  auto error = second.start();
  REQUIRE(error);
  CHECK(error->find("listening on") != std::string::npos);
  LineClient client(path);  // the first server still owns it
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","id":1})") ==
        R"({"jsonrpc":"2.0","id":1,"result":{}})");
  first.stop();
  CHECK(::access(path.c_str(), F_OK) != 0);
  // A regular file in the way is not removed.
  FILE* file = std::fopen(path.c_str(), "w");
  std::fclose(file);
  TestServer third(options);
  CHECK(third.start());
  CHECK(::access(path.c_str(), F_OK) == 0);
}

TEST_CASE("UNIX socket: an oversized line gets -32006 and the connection is closed") {
  auto options = test_options();
  options.limits.max_message_bytes = 1000;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  CHECK(
      ask(client, R"({"jsonrpc":"2.0","method":"echo","params":[")" + std::string(900, 'a') + R"("],"id":1})")
          .starts_with(R"({"jsonrpc":"2.0","id":1,"result")"));
  client.send(R"({"jsonrpc":"2.0","method":"echo","params":[")" + std::string(200'000, 'a') +
              R"("],"id":2})");
  CHECK(client.read_line() ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32006,"message":"message over 1000 bytes"}})");
  CHECK(client.closed_by_server());
  LineClient other(server.unix_path());
  CHECK(ask(other, R"({"jsonrpc":"2.0","method":"echo","id":3})") ==
        R"({"jsonrpc":"2.0","id":3,"result":{}})");
}

TEST_CASE("UNIX socket: past the in-flight limit requests get -32005, batch entries counted one by one") {
  auto options = test_options();
  options.limits.max_in_flight = 4;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  std::string batch = "[";
  for (int i = 0; i < 6; ++i) {
    if (i) batch += ',';
    batch += R"({"jsonrpc":"2.0","method":"sleep","params":[200],"id":)" + std::to_string(i) + "}";
  }
  batch += "]";
  client.send(batch);
  client.send(R"({"jsonrpc":"2.0","method":"echo","id":"extra"})");
  CHECK(client.read_line() ==
        R"({"jsonrpc":"2.0","id":"extra","error":{"code":-32005,"message":"too many requests in flight"}})");
  std::string answer = client.read_line().value_or("");
  for (int i = 0; i < 4; ++i)
    CHECK(answer.find(R"("id":)" + std::to_string(i) + R"(,"result":true)") != std::string::npos);
  CHECK(answer.find(R"("id":4,"error":{"code":-32005)") != std::string::npos);
  CHECK(answer.find(R"("id":5,"error":{"code":-32005)") != std::string::npos);
  // Once answered, the room is back.
  CHECK(ask(client, R"({"jsonrpc":"2.0","method":"echo","id":9})") ==
        R"({"jsonrpc":"2.0","id":9,"result":{}})");
}

TEST_CASE("UNIX socket: a client that vanishes mid-call has its calls cancelled, others go on") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient other(server.unix_path());
  other.send(R"({"jsonrpc":"2.0","method":"sleep","params":[300],"id":"other"})");
  {
    LineClient leaving(server.unix_path());
    for (int i = 0; i < 5; ++i)
      leaving.send(R"({"jsonrpc":"2.0","method":"sleep","params":[10000],"id":)" + std::to_string(i) + "}");
    REQUIRE(eventually([&] { return server.counters().started == 6; }));
  }
  CHECK(eventually([&] { return server.counters().cancelled == 5; }));
  CHECK(other.read_line() == R"({"jsonrpc":"2.0","id":"other","result":true})");
  CHECK(ask(other, R"({"jsonrpc":"2.0","method":"echo","id":1})") ==
        R"({"jsonrpc":"2.0","id":1,"result":{}})");
  CHECK(eventually([&] { return server.stats().in_flight == 0 && server.stats().connections_open == 1; }));
}

TEST_CASE("UNIX socket: stop() cancels calls in flight and closes connections") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  client.send(R"({"jsonrpc":"2.0","method":"sleep","params":[10000],"id":1})");
  client.send(R"({"jsonrpc":"2.0","method":"sleep","params":[10000]})");
  REQUIRE(eventually([&] { return server.counters().started == 2; }));
  server.stop();
  CHECK(server.counters().cancelled == 2);
  CHECK(client.closed_by_server());
}

TEST_CASE("UNIX socket: notify() pushes notification lines to the caller's connection") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  client.send(R"({"jsonrpc":"2.0","method":"push","params":[2],"id":1})");
  CHECK(client.read_line() == R"({"jsonrpc":"2.0","method":"tick","params":[0]})");
  CHECK(client.read_line() == R"({"jsonrpc":"2.0","method":"tick","params":[1]})");
  CHECK(client.read_line() == R"({"jsonrpc":"2.0","id":1,"result":true})");
}

TEST_CASE("UNIX socket: small messages copied into shared chunks and big ones moved in keep their order") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  // Alternating notifications (coalesced into chunks) and answers of 3 KiB .. 100 KB (around the
  // coalescing limit), pipelined so that they queue behind each other.
  const int sizes[] = {10, 3000, 5000, 100000, 16000, 20};
  std::string lines;
  for (int i = 0; i < 12; ++i) {
    lines += R"({"jsonrpc":"2.0","method":"push","params":[3],"id":)" + std::to_string(2 * i) + "}\n";
    lines += R"({"jsonrpc":"2.0","method":"big","params":[)" + std::to_string(sizes[i % 6]) + R"(],"id":)" +
             std::to_string(2 * i + 1) + "}\n";
  }
  client.send_raw(lines);
  // Ticks are queued as the push calls run, answers as the calls complete: each kind in its order.
  std::vector<std::string> ticks, answers, expected_ticks, expected_answers;
  for (int i = 0; i < 12; ++i) {
    for (int t = 0; t < 3; ++t)
      expected_ticks.push_back(R"({"jsonrpc":"2.0","method":"tick","params":[)" + std::to_string(t) + "]}");
    expected_answers.push_back(R"({"jsonrpc":"2.0","id":)" + std::to_string(2 * i) + R"(,"result":true})");
    expected_answers.push_back(R"({"jsonrpc":"2.0","id":)" + std::to_string(2 * i + 1) + R"(,"result":")" +
                               std::string(sizes[i % 6], 'x') + R"("})");
  }
  for (std::size_t i = 0; i < expected_ticks.size() + expected_answers.size(); ++i) {
    std::string line = client.read_line().value_or("(closed)");
    (line.find(R"("method":"tick")") != std::string::npos ? ticks : answers).push_back(std::move(line));
  }
  CHECK(ticks == expected_ticks);
  REQUIRE(answers.size() == expected_answers.size());
  for (std::size_t i = 0; i < answers.size(); ++i) {
    INFO("answer " << i << ": " << answers[i].substr(0, 60));
    CHECK(answers[i] == expected_answers[i]);
  }
}

TEST_CASE("UNIX socket: a connection idle past the timeout is closed, a busy one is not") {
  auto options = test_options();
  options.limits.idle_timeout = 200ms;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  LineClient busy(server.unix_path());
  busy.send(R"({"jsonrpc":"2.0","method":"sleep","params":[500],"id":1})");
  LineClient idle(server.unix_path());
  CHECK(idle.closed_by_server(2000));
  CHECK(busy.read_line() == R"({"jsonrpc":"2.0","id":1,"result":true})");
}

TEST_CASE("UNIX socket: a slow reader's requests are not read until it takes its answers") {
  auto options = test_options();
  options.limits.outgoing_pause_bytes = 64 << 10;
  options.limits.max_outgoing_bytes = 64 << 20;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  auto send_big = [&](int from, int count) {
    std::string lines;
    for (int i = from; i < from + count; ++i)
      lines += R"({"jsonrpc":"2.0","method":"big","params":[100000],"id":)" + std::to_string(i) + "}\n";
    client.send_raw(lines);
  };
  send_big(0, 60);  // 6 MB of answers: more than the socket buffers hold
  REQUIRE(eventually([&] { return server.stats().requests == 60; }));
  send_big(60, 10);
  std::this_thread::sleep_for(300ms);
  CHECK(server.stats().requests == 60);  // not read: the client has not taken its answers
  std::set<std::string> ids;
  for (int i = 0; i < 70; ++i) {
    auto line = client.read_line();
    REQUIRE(line);
    REQUIRE(line->size() > 100000);
    ids.insert(line->substr(22, line->find(',', 22) - 22));
  }
  CHECK(ids.size() == 70);
  CHECK(server.stats().requests == 70);
}

TEST_CASE("UNIX socket: a reader that never reads is disconnected past the outgoing cap") {
  auto options = test_options();
  options.limits.outgoing_pause_bytes = 64 << 10;
  options.limits.max_outgoing_bytes = 1 << 20;
  TestServer server(options);
  REQUIRE_FALSE(server.start());
  LineClient client(server.unix_path());
  std::string lines;
  for (int i = 0; i < 100; ++i)
    lines += R"({"jsonrpc":"2.0","method":"big","params":[100000],"id":)" + std::to_string(i) + "}\n";
  client.send_raw(lines);
  CHECK(eventually([&] { return server.stats().connections_open == 0; }));
  int answers = 0;
  while (client.read_line(1000)) ++answers;
  CHECK(answers < 100);
  // notify() refuses past the cap instead of queueing.
  LineClient pusher(server.unix_path());
  pusher.send(R"({"jsonrpc":"2.0","method":"push","params":[200000],"id":1})");
  CHECK(eventually([&] { return server.counters().notifications_refused > 0; }));
}

TEST_CASE("UNIX socket: 10,000 concurrent requests from 50 clients are all answered, matched by id") {
  TestServer server(test_options());
  REQUIRE_FALSE(server.start());
  constexpr int kClients = 50, kPerClient = 200;
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      LineClient client(server.unix_path());
      std::string lines;
      std::map<std::string, std::string> expected;
      for (int i = 0; i < kPerClient; ++i) {
        std::string id =
            i % 2 ? std::to_string(c * 1000 + i) : "\"c" + std::to_string(c) + "-" + std::to_string(i) + "\"";
        std::string method = i % 10 == 0 ? "sleep" : "echo";
        std::string params = i % 10 == 0 ? "[1]" : "[" + std::to_string(c) + "," + std::to_string(i) + "]";
        lines +=
            R"({"jsonrpc":"2.0","method":")" + method + R"(","params":)" + params + R"(,"id":)" + id + "}\n";
        expected[id] = i % 10 == 0 ? "true" : params;
      }
      client.send_raw(lines);
      for (int i = 0; i < kPerClient; ++i) {
        auto line = client.read_line(10000);
        if (!line) break;
        const std::string prefix = R"({"jsonrpc":"2.0","id":)";
        auto comma = line->find(",\"result\":");
        if (!line->starts_with(prefix) || comma == std::string::npos) continue;
        std::string id = line->substr(prefix.size(), comma - prefix.size());
        std::string result = line->substr(comma + 10, line->size() - comma - 11);
        auto it = expected.find(id);
        if (it != expected.end() && it->second == result) {
          ++correct;
          expected.erase(it);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(correct == kClients * kPerClient);
  CHECK(server.stats().requests == kClients * kPerClient);
}
