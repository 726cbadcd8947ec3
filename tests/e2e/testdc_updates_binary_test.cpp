// tgd-testdc as a program: --control PATH serves the control socket that benchmarks and tgd's
// end-to-end tests drive from another process.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

// Sends one line on a connected UNIX socket and reads one answer line (blocking).
std::string ask(int fd, const std::string& line) {
  const std::string out = line + "\n";
  REQUIRE(::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size()));
  std::string answer;
  char c = 0;
  while (::read(fd, &c, 1) == 1 && c != '\n') answer += c;
  return answer;
}

}  // namespace

TEST_CASE("tgd-testdc --control PATH answers JSON commands on a 0600 UNIX socket and removes it on SIGTERM") {
  const std::string path = "/tmp/tgd-testdc-binary-" + std::to_string(::getpid()) + ".sock";
  int out[2];
  REQUIRE(::pipe(out) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::execl(TGD_TESTDC_PATH, "tgd-testdc", "--control", path.c_str(), "--dcs", "2",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  // The ready line comes once every listener, the control socket included, is up.
  std::string ready;
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') ready += c;
  CHECK(ready.find("\"dcs\":[") != std::string::npos);

  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  CHECK(ask(fd, R"({"op":"send_message","from":"9996610001","to":"9996620000","text":"hi"})")
            .starts_with(R"({"ok":true,"from":100000001,"to":100000002,"id":1,"pts":1)"));
  CHECK(ask(fd, R"({"op":"flood","from":"9996610001","to":"9996620000","count":100,"batch":10})")
            .starts_with(R"({"ok":true,"sent":100)"));
  CHECK(ask(fd, R"({"op":"state","account":"9996620000"})").find(R"("pts":101,"qts":0,"seq":10)") !=
        std::string::npos);
  CHECK(ask(fd, R"({"op":"stats"})").starts_with(R"({"ok":true,"pushes":0)"));  // nobody connected
  ::close(fd);

  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(out[0]);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(::access(path.c_str(), F_OK) != 0);
}
