#include "daemon/app/token.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "protocol/base/hex.hpp"
#include "protocol/crypto/random.hpp"

namespace tgd::app {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  const auto start = s.find_first_not_of(" \t");
  return start == std::string::npos ? std::string() : s.substr(start);
}

}  // namespace

std::variant<std::string, TokenError> load_or_create_token(const std::filesystem::path& file) {
  const std::string name = file.string();
  struct stat st {};
  if (::stat(name.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(st.st_mode & 0777));
      return TokenError{name + ": accessible to other users (mode " + mode + "); chmod 600 it"};
    }
    std::ifstream in(file);
    std::string line;
    if (!in || !std::getline(in, line)) return TokenError{name + ": cannot read the token"};
    std::string token = trimmed(line);
    if (token.size() < 16) return TokenError{name + ": the token is shorter than 16 characters"};
    return token;
  }
  if (errno != ENOENT) return TokenError{name + ": " + std::strerror(errno)};
  std::array<std::uint8_t, 32> random{};
  crypto::random_fill(random);
  std::string token = to_hex(random);
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  // O_EXCL: never overwrite a token another process just wrote; 0600 whatever the umask.
  const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return TokenError{name + ": cannot create: " + std::strerror(errno)};
  ::fchmod(fd, 0600);
  const std::string content = token + "\n";
  const bool written = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!written) return TokenError{name + ": cannot write the token"};
  return token;
}

}  // namespace tgd::app
