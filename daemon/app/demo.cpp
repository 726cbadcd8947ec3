#include "daemon/app/demo.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include "config/environment.hpp"
#include "daemon/app/daemon.hpp"
#include "daemon/session/session_manager.hpp"
#include "protocol/net/asio.hpp"

extern char** environ;

namespace tgd::app {
namespace {

constexpr const char* kUserSession = "demo";
constexpr const char* kUserPhone = "9996620000";  // test DC convention: DC 2, code 22222
constexpr const char* kUserCode = "22222";
constexpr const char* kBotSession = "demobot";
constexpr const char* kBotToken = "1000001:tgd-demo-bot-token";

// The running tgd-testdc child: stopped (SIGTERM, then waited for) when this goes.
class TestDcProcess {
 public:
  ~TestDcProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  // Starts it and reads its ready line; an error message on failure.
  std::optional<std::string> start(const std::filesystem::path& program, const std::filesystem::path& log) {
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    const std::string path = program.string();
    char* argv[] = {const_cast<char*>(path.c_str()), const_cast<char*>("--dcs"), const_cast<char*>("3"),
                    nullptr};
    const int spawned = ::posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0) {
      ::close(out[0]);
      pid_ = -1;
      return "cannot start " + path + ": " + std::strerror(spawned);
    }
    // Not serving yet: a blocking read with a deadline is fine here.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{out[0], POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char chunk[4096];
      const ssize_t n = ::read(out[0], chunk, sizeof chunk);
      if (n <= 0) break;
      line.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    if (line.find('\n') == std::string::npos)
      return "tgd-testdc did not get ready (see " + log.string() + ")";
    ready_line_ = line.substr(0, line.find('\n'));
    return std::nullopt;
  }
  const std::string& ready_line() const { return ready_line_; }

 private:
  pid_t pid_ = -1;
  std::string ready_line_;
};

std::optional<std::filesystem::path> find_testdc(const std::optional<std::filesystem::path>& given) {
  namespace fs = std::filesystem;
  if (given) return fs::exists(*given) ? std::optional(*given) : std::nullopt;
  if (const char* env = std::getenv("TGD_TESTDC")) return fs::path(env);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate :
         {self.parent_path() / "tgd-testdc",                                // installed side by side
          self.parent_path().parent_path() / "tests/testdc/tgd-testdc"}) {  // build tree
      if (fs::exists(candidate)) return candidate;
    }
  }
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest(path);
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const fs::path candidate = fs::path(rest.substr(0, colon)) / "tgd-testdc";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    }
  }
  return std::nullopt;
}

std::string describe(const session::Session::LoginResult& r) {
  if (const auto* state = std::get_if<session::SessionState>(&r))
    return std::string(session::to_string(*state));
  const auto& e = std::get<session::CallError>(r);
  return std::to_string(e.code) + " " + e.message;
}

// Makes both demo sessions afresh and logs them in: the user with the test DC's code convention
// (and sign-up, the test DC being new), the bot with its token.
net::awaitable<std::optional<std::string>> log_in_demo_sessions(session::SessionManager& sessions) {
  for (const char* name : {kUserSession, kBotSession}) {
    if (sessions.find(name) != nullptr) (void)sessions.remove(name);
  }
  auto user = sessions.add(kUserSession);
  auto bot = sessions.add(kBotSession);
  if (auto* error = std::get_if<std::string>(&user)) co_return *error;
  if (auto* error = std::get_if<std::string>(&bot)) co_return *error;
  session::Session& u = *std::get<session::Session*>(user);
  auto step = co_await u.phone_login(kUserPhone);
  if (u.state() == session::SessionState::WaitingCode) step = co_await u.complete_phone_login(kUserCode);
  if (u.state() == session::SessionState::WaitingSignUp) step = co_await u.complete_signup("Demo", "User");
  if (u.state() != session::SessionState::Ready) co_return "demo user login failed: " + describe(step);
  session::Session& b = *std::get<session::Session*>(bot);
  step = co_await b.bot_login(kBotToken);
  if (b.state() != session::SessionState::Ready) co_return "demo bot login failed: " + describe(step);
  co_return std::nullopt;
}

}  // namespace

int run_demo(const DemoOptions& options) {
  namespace fs = std::filesystem;
  const auto testdc = find_testdc(options.testdc);
  if (!testdc) {
    spdlog::error("tgd-testdc not found (build it, or pass --testdc PATH or set TGD_TESTDC)");
    return 1;
  }
  fs::path state;
  bool temporary = false;
  if (options.state_dir) {
    state = fs::absolute(*options.state_dir);
  } else {
    std::string pattern = (fs::temp_directory_path() / "tgd-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      spdlog::error("cannot create a temporary directory: {}", std::strerror(errno));
      return 1;
    }
    state = pattern;
    temporary = true;
  }
  std::error_code ec;
  fs::create_directories(state, ec);
  fs::permissions(state, fs::perms::owner_all, ec);

  int status = 1;
  {
    TestDcProcess dc;
    if (auto error = dc.start(*testdc, state / "testdc.log")) {
      spdlog::error("{}", *error);
    } else {
      config::Config c;
      c.network = config::Network::Custom;
      simdjson::dom::parser parser;
      simdjson::dom::element ready;
      std::string_view pem;
      simdjson::dom::array dcs;
      const bool parsed = parser.parse(dc.ready_line()).get(ready) == simdjson::SUCCESS &&
                          ready["public_key_pem"].get(pem) == simdjson::SUCCESS &&
                          ready["dcs"].get(dcs) == simdjson::SUCCESS;
      if (parsed) {
        for (simdjson::dom::element d : dcs) {
          std::int64_t id = 0, port = 0;
          std::string_view host;
          if (d["id"].get(id) || d["host"].get(host) || d["port"].get(port)) continue;
          c.custom_dcs.push_back(
              {static_cast<std::int32_t>(id), std::string(host), static_cast<std::uint16_t>(port)});
        }
      }
      c.custom_key_pem = std::string(pem);
      c.api_id = 1;  // the test DC takes any positive api_id
      c.api_hash = "00000000000000000000000000000000";
      c.system_version = config::default_system_version();
      c.state_dir = state;
      c.runtime_dir = state / "run";
      fs::create_directories(c.runtime_dir, ec);
      c.unix_socket = c.runtime_dir / "tgd.sock";
      c.tcp_enabled = true;
      c.tcp_port = options.tcp_port;
      c.token_file = state / "token";
      c.log_level = options.log_level;

      DaemonHooks hooks;
      hooks.prepare = [](session::SessionManager& sessions,
                         std::function<void(std::optional<std::string>)> done) {
        net::asio::co_spawn(
            sessions.executor(),
            [&sessions, done = std::move(done)]() -> net::awaitable<void> {
              std::optional<std::string> error = co_await log_in_demo_sessions(sessions);
              done(std::move(error));
            },
            net::asio::detached);
      };
      hooks.on_ready = [](const ReadyInfo& info) {
        std::cout << ready_json(info) << std::endl;
        std::cerr << "\ntgd demo is ready. In another terminal:\n"
                  << "  tgd call --socket " << info.socket << " getSelf '{\"session\":\"demo\"}'\n"
                  << "  tgd call --socket " << info.socket
                  << " messages.sendMessage '{\"session\":\"demo\",\"peer\":\"me\",\"message\":\"hello\"}'\n"
                  << "Ctrl-C stops it.\n\n";
      };
      if (c.custom_dcs.empty()) {
        spdlog::error("tgd-testdc's ready line is not what tgd expects: {}", dc.ready_line());
      } else {
        status = run_daemon(c, std::move(hooks));
      }
    }
  }
  if (temporary) fs::remove_all(state, ec);
  return status;
}

}  // namespace tgd::app
