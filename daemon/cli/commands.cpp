#include "daemon/cli/commands.hpp"

#include <simdjson.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "daemon/cli/rpc_client.hpp"
#include "protocol/tl/json_out.hpp"

namespace tgd::cli {
namespace {

int report(const RpcError& e) {
  std::cerr << "error " << e.code << ": " << e.message;
  if (!e.data.empty()) std::cerr << " " << e.data;
  std::cerr << "\n";
  return e.telegram ? kExitTelegramError : kExitTgdError;
}

// A call whose failure has been reported: the result JSON, or the exit status.
std::variant<std::string, int> request(RpcClient& client, std::string_view method, std::string_view params) {
  auto reply = client.call(method, params);
  if (auto* transport = std::get_if<TransportFailure>(&reply)) {
    std::cerr << transport->message << "\n";
    return kExitUnreachable;
  }
  auto& r = std::get<RpcReply>(reply);
  if (auto* e = std::get_if<RpcError>(&r)) return report(*e);
  return std::get<std::string>(std::move(r));
}

std::variant<RpcClient, int> open(const std::filesystem::path& socket) {
  auto client = RpcClient::connect(socket);
  if (auto* error = std::get_if<std::string>(&client)) {
    std::cerr << *error << "\n";
    return kExitUnreachable;
  }
  return std::get<RpcClient>(std::move(client));
}

std::string field(std::string_view json, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view value;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return {};
  if (root[key].get(value) != simdjson::SUCCESS) return {};
  return std::string(value);
}

std::string prompt(std::istream& in, std::ostream& out, std::string_view question, bool secret = false) {
  out << question << std::flush;
  termios saved{};
  const bool hide = secret && ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hide) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(in, line);
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    out << "\n";
  }
  return line;
}

}  // namespace

int run_call(const std::filesystem::path& socket, const std::string& method, const std::string& params,
             const std::optional<std::string>& session, bool raw) {
  std::string body = params.empty() ? "{}" : params;
  if (session) {
    auto added = with_session(body, *session);
    if (!added) {
      std::cerr << "--session needs the params to be a JSON object\n";
      return kExitTgdError;
    }
    body = std::move(*added);
  }
  auto client = open(socket);
  if (auto* status = std::get_if<int>(&client)) return *status;
  RpcClient& c = std::get<RpcClient>(client);
  if (raw) {
    // The lines as exchanged, errors included: the exit status still tells what happened.
    auto reply = c.call(method, body);
    std::cout << "--> " << c.last_request() << "\n";
    if (auto* transport = std::get_if<TransportFailure>(&reply)) {
      std::cerr << transport->message << "\n";
      return kExitUnreachable;
    }
    std::cout << "<-- " << c.last_response() << "\n";
    const auto* error = std::get_if<RpcError>(&std::get<RpcReply>(reply));
    return error == nullptr ? 0 : error->telegram ? kExitTelegramError : kExitTgdError;
  }
  auto result = request(c, method, body);
  if (auto* status = std::get_if<int>(&result)) return *status;
  std::cout << std::get<std::string>(result) << "\n";
  return 0;
}

int run_status(const std::filesystem::path& socket) {
  auto client = open(socket);
  if (auto* status = std::get_if<int>(&client)) return *status;
  auto result = request(std::get<RpcClient>(client), "status", "{}");
  if (auto* status = std::get_if<int>(&result)) return *status;
  std::cout << std::get<std::string>(result) << "\n";
  return 0;
}

int run_login(const std::filesystem::path& socket, const std::string& session, std::istream& in,
              std::ostream& out) {
  auto opened = open(socket);
  if (auto* status = std::get_if<int>(&opened)) return *status;
  RpcClient& client = std::get<RpcClient>(opened);
  const std::string quoted = tl::json_quoted(session);
  // The session may exist already (e.g. logged out, or from the config file).
  (void)client.call("addSession", R"({"name":)" + quoted + "}");

  // One step: the new state, or an exit status. A wrong code or password keeps the state, so the
  // person is asked again.
  std::string state;
  auto step = [&](std::string_view method, const std::string& params) -> std::optional<int> {
    auto reply = client.call(method, params);
    if (auto* transport = std::get_if<TransportFailure>(&reply)) {
      std::cerr << transport->message << "\n";
      return kExitUnreachable;
    }
    auto& r = std::get<RpcReply>(reply);
    if (auto* e = std::get_if<RpcError>(&r)) {
      if (e->telegram && (e->message == "PHONE_CODE_INVALID" || e->message == "PASSWORD_HASH_INVALID")) {
        out << (e->message == "PHONE_CODE_INVALID" ? "Wrong code" : "Wrong password") << ", try again.\n";
        return std::nullopt;
      }
      return report(*e);
    }
    state = field(std::get<std::string>(r), "state");
    return std::nullopt;
  };

  const std::string who = prompt(in, out, "Phone number (international format) or bot token: ");
  std::optional<int> failed =
      who.find(':') != std::string::npos
          ? step("botLogin", R"({"session":)" + quoted + R"(,"token":)" + tl::json_quoted(who) + "}")
          : step("phoneLogin", R"({"session":)" + quoted + R"(,"phone":)" + tl::json_quoted(who) + "}");
  for (int round = 0; round < 10 && !failed; ++round) {
    if (state == "ready") {
      out << "Logged in: session '" << session << "' is ready.\n";
      return 0;
    }
    if (!in) {
      std::cerr << "login abandoned: no more input\n";
      return kExitTgdError;
    }
    if (state == "waiting_code") {
      const std::string code = prompt(in, out, "Login code: ");
      failed =
          step("completePhoneLogin", R"({"session":)" + quoted + R"(,"code":)" + tl::json_quoted(code) + "}");
    } else if (state == "waiting_password") {
      const std::string password = prompt(in, out, "2FA password: ", true);
      failed = step("complete2faLogin",
                    R"({"session":)" + quoted + R"(,"password":)" + tl::json_quoted(password) + "}");
    } else if (state == "waiting_signup") {
      const std::string first = prompt(in, out, "New account. First name: ");
      const std::string last = prompt(in, out, "Last name (optional): ");
      failed =
          step("completeSignup", R"({"session":)" + quoted + R"(,"first_name":)" + tl::json_quoted(first) +
                                     R"(,"last_name":)" + tl::json_quoted(last) + "}");
    } else {
      std::cerr << "unexpected login state '" << state << "'\n";
      return kExitTgdError;
    }
  }
  if (failed) return *failed;
  std::cerr << "too many login steps\n";
  return kExitTgdError;
}

}  // namespace tgd::cli
