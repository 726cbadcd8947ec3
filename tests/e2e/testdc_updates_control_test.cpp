// tgd-testdc's control socket (--control PATH) over a real UNIX socket, in process: its commands
// and their effect on a connected client.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>

#include "tests/e2e/testdc_updates_support.hpp"
#include "tests/testdc/control_socket.hpp"
#include "tests/testdc/test_dc.hpp"

using namespace tgd;
using namespace tgd::e2e;

namespace {

using local = net::asio::local::stream_protocol;

// One command line, one answer line.
net::awaitable<std::string> command(local::socket& s, std::string& buffer, std::string line) {
  line += '\n';
  co_await net::asio::async_write(s, net::asio::buffer(line), net::use_awaitable);
  const std::size_t n =
      co_await net::asio::async_read_until(s, net::asio::dynamic_buffer(buffer), '\n', net::use_awaitable);
  std::string answer = buffer.substr(0, n - 1);
  buffer.erase(0, n);
  co_return answer;
}

struct StopControl {
  testdc::ControlSocket& control;
  local::socket& socket;
  ~StopControl() {
    net::error_code ignored;
    socket.close(ignored);
    control.stop();
  }
};

}  // namespace

TEST_CASE(
    "the control socket (0600) sends messages, floods, injects faults and reports stats, one answer line "
    "per command") {
  Harness h;
  const std::string path = "/tmp/tgd-testdc-control-" + std::to_string(::getpid()) + ".sock";
  testdc::ControlSocket control(h.io, *h.dc);
  REQUIRE_FALSE(control.start(path));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::int64_t bob = h.dc->world().create_user("9996621000", "Bob").id;
  local::socket socket(h.io);
  h.run(
      [&]() -> net::awaitable<void> {
        StopControl stop{control, socket};
        auto to_bob = collect_pushes(*h.client);
        co_await log_in(h, *h.client, Harness::kDc, bob);
        co_await socket.async_connect(local::endpoint(path), net::use_awaitable);
        std::string buffer;

        // The sender is created on the fly; the recipient by phone number.
        std::string answer = co_await command(
            socket, buffer, R"({"op":"send_message","from":"9996610001","to":"+999 662 1000","text":"hi"})");
        CHECK(has(answer, R"("ok":true)"));
        CHECK(has(answer, R"("to":)" + std::to_string(bob)));
        CHECK(has(answer, R"("recipient_pts":1)"));
        CHECK(co_await wait_until([&] { return !to_bob->empty(); }));
        CHECK(has(to_bob->front(), R"("message":"hi")"));

        // By user id, as a number; a flood answers when it is done.
        answer = co_await command(socket, buffer,
                                  R"({"op":"flood","from":"9996610001","to":)" + std::to_string(bob) +
                                      R"(,"count":30,"batch":10})");
        CHECK(has(answer, R"("ok":true,"sent":30)"));
        CHECK(co_await wait_until([&] { return to_bob->size() == 4; }));

        answer = co_await command(socket, buffer, R"({"op":"fault","account":"9996621000","drop":1})");
        CHECK(has(answer, R"("drop":1)"));
        co_await command(socket, buffer, R"({"op":"send_message","from":"9996610001","to":"9996621000"})");
        answer = co_await command(socket, buffer, R"({"op":"fault","account":"9996621000","too_long":true})");
        CHECK(co_await wait_until([&] { return to_bob->size() == 5; }));
        CHECK(has(to_bob->back(), "updatesTooLong"));

        answer = co_await command(socket, buffer, R"({"op":"state","account":"9996621000"})");
        CHECK(has(answer, R"("pts":32)"));
        CHECK(has(answer, R"("seq":3)"));
        CHECK(has(answer, R"("sessions":1)"));
        answer = co_await command(socket, buffer, R"({"op":"stats"})");
        CHECK(has(answer, R"("pushes":5)"));
        CHECK(has(answer, R"("updates":31)"));
        CHECK(has(answer, R"("dropped":1)"));
        CHECK(has(answer, R"("too_long":1)"));

        CHECK(has(co_await command(socket, buffer, R"({"op":"send_message","from":"5","to":"9996621000"})"),
                  R"({"ok":false,"error":"no account 5"})"));
        CHECK(has(co_await command(socket, buffer, "not json"), R"("ok":false)"));
        CHECK(has(co_await command(socket, buffer, R"({"op":"dance"})"), "unknown op: dance"));
        CHECK(has(co_await command(socket, buffer,
                                   R"({"op":"flood","from":"1:abcdefgh1","to":"9996621000",)"
                                   R"("count":1,"batch":0})"),
                  "batch"));
      },
      6s);
  CHECK_FALSE(std::filesystem::exists(path));  // removed on stop
}

TEST_CASE("a flood with \"stamp\":true puts CLOCK_MONOTONIC nanoseconds of each push's making in its texts") {
  Harness h;
  const std::string path = "/tmp/tgd-testdc-stamp-" + std::to_string(::getpid()) + ".sock";
  testdc::ControlSocket control(h.io, *h.dc);
  REQUIRE_FALSE(control.start(path));
  const std::int64_t bob = h.dc->world().create_user("9996621000", "Bob").id;
  local::socket socket(h.io);
  auto monotonic_ns = [] {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
  };
  h.run(
      [&]() -> net::awaitable<void> {
        StopControl stop{control, socket};
        auto to_bob = collect_pushes(*h.client);
        co_await log_in(h, *h.client, Harness::kDc, bob);
        co_await socket.async_connect(local::endpoint(path), net::use_awaitable);
        std::string buffer;
        const std::int64_t before = monotonic_ns();
        const std::string answer = co_await command(
            socket, buffer, R"({"op":"flood","from":"9996610001","to":"9996621000","count":3,"stamp":true})");
        const std::int64_t after = monotonic_ns();
        CHECK(has(answer, R"("ok":true,"sent":3)"));
        CHECK(co_await wait_until([&] { return to_bob->size() == 3; }));
        for (std::size_t i = 0; i < to_bob->size(); ++i) {
          const std::string& json = (*to_bob)[i];
          const std::string prefix = R"("message":"flood )" + std::to_string(i + 1) + " @";
          const auto at = json.find(prefix);
          REQUIRE_MESSAGE(at != std::string::npos, json);
          const std::int64_t stamp = std::stoll(json.substr(at + prefix.size()));
          CHECK(stamp >= before);
          CHECK(stamp <= after);
        }
        CHECK(has(co_await command(socket, buffer,
                                   R"({"op":"flood","from":"9996610001","to":"9996621000","stamp":1})"),
                  "must be true or false"));
      },
      6s);
}
