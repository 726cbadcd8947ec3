// setLogLevel through rpc::Methods, without the network (no sessions): the level changes at once,
// the answer names the new and the previous one, a bad level lists the valid ones, status and help
// show it.
#include <doctest/doctest.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon/session/session_manager.hpp"
#include "protocol/tl/embedded_schema.hpp"
#include "rpc/methods/methods.hpp"

using namespace tgd;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  Fixture() {
    static const tl::Schemas schemas = tl::load_embedded_schemas();
    manager = std::make_unique<session::SessionManager>(io.get_executor(), schemas.api, nullptr,
                                                        session::InvokerOptions{});
    methods = std::make_unique<rpc::Methods>(*manager, schemas.api, nullptr);
  }
  ~Fixture() {
    methods.reset();
    manager->stop();
    io.run_for(10ms);
    spdlog::default_logger_raw()->set_level(saved);
  }

  rpc::Outcome call(std::string method, std::string params) {
    rpc::Outcome outcome = rpc::Error{};
    bool done = false;
    const rpc::Request request{std::move(method), std::move(params), std::string("1")};
    boost::asio::co_spawn(io, methods->call(request, nullptr), [&](std::exception_ptr e, rpc::Outcome o) {
      REQUIRE(!e);
      outcome = std::move(o);
      done = true;
    });
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < end) io.run_for(1ms);
    REQUIRE(done);
    return outcome;
  }

  std::string result(std::string method, std::string params) {
    rpc::Outcome o = call(std::move(method), std::move(params));
    const auto* e = std::get_if<rpc::Error>(&o);
    REQUIRE_MESSAGE(e == nullptr, (e ? std::to_string(e->code) + " " + e->message : ""));
    return std::get<std::string>(o);
  }

  spdlog::level::level_enum saved = spdlog::default_logger_raw()->level();
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<session::SessionManager> manager;
  std::unique_ptr<rpc::Methods> methods;
};

}  // namespace

TEST_CASE("setLogLevel changes the running logger's level and answers the new and the previous level") {
  Fixture f;
  spdlog::default_logger_raw()->set_level(spdlog::level::info);
  CHECK(f.result("setLogLevel", R"({"level":"trace"})") == R"({"level":"trace","previous":"info"})");
  CHECK(spdlog::default_logger_raw()->level() == spdlog::level::trace);
  CHECK(f.result("status", "{}").find(R"("log_level":"trace")") != std::string::npos);
  CHECK(f.result("setLogLevel", R"({"level":"warn"})") == R"({"level":"warn","previous":"trace"})");
  CHECK(spdlog::default_logger_raw()->level() == spdlog::level::warn);
  CHECK(f.result("setLogLevel", R"({"level":"off"})") == R"({"level":"off","previous":"warn"})");
  CHECK(f.result("setLogLevel", R"({"level":"error"})") == R"({"level":"error","previous":"off"})");
  CHECK(spdlog::default_logger_raw()->level() == spdlog::level::err);
}

TEST_CASE("setLogLevel refuses a level it does not know with -32602 listing the valid ones") {
  Fixture f;
  spdlog::default_logger_raw()->set_level(spdlog::level::info);
  for (const char* params :
       {R"({"level":"verbose"})", R"({"level":"WARN"})", R"({"level":""})", R"({"level":3})", "{}"}) {
    CAPTURE(params);
    rpc::Outcome o = f.call("setLogLevel", params);
    const auto* e = std::get_if<rpc::Error>(&o);
    REQUIRE(e != nullptr);
    CHECK(e->code == rpc::codes::kInvalidParams);
    CHECK(e->message.find("params.level") != std::string::npos);
  }
  rpc::Outcome o = f.call("setLogLevel", R"({"level":"verbose"})");
  CHECK(std::get<rpc::Error>(o).message ==
        "params.level: one of trace, debug, info, warn, error, critical, off expected");
  CHECK(spdlog::default_logger_raw()->level() == spdlog::level::info);
}

TEST_CASE("setLogLevel is listed and described by help") {
  Fixture f;
  CHECK(f.result("help", "{}").find(R"("name":"setLogLevel")") != std::string::npos);
  const std::string one = f.result("help", R"({"method":"setLogLevel"})");
  CHECK(one.find("SIGHUP") != std::string::npos);
  CHECK(one.find(R"x("method\":\"setLogLevel\",\"params\":{\"level\":\"debug\"})x") != std::string::npos);
}
