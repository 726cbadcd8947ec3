#pragma once
// Files only the daemon's user may read: the database holds auth keys, which are full account access.
// Modes are set with fchmod/chmod, not through the umask, so they are 0600 whatever umask the
// daemon was started with.
#include <filesystem>
#include <optional>
#include <string>

namespace tgd::store {

// Creates `file` if missing and makes its mode exactly 0600 (also tightening a file that exists with
// a wider mode). Refuses symlinks (O_NOFOLLOW). Returns the error message on failure.
std::optional<std::string> make_private_file(const std::filesystem::path& file);

// chmod 0600 when `file` exists; nothing when it does not. Returns the error message on failure.
std::optional<std::string> tighten_if_exists(const std::filesystem::path& file);

// Creates the directory (and parents) when missing, the last one with mode 0700.
std::optional<std::string> make_state_dir(const std::filesystem::path& dir);

}  // namespace tgd::store
