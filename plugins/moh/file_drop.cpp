#include "plugins/moh/file_drop.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace wasl::plugins::moh {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

Error unavailable(const std::string& what, int err) {
  return Error(ErrorCode::kUnavailable, "MOH file drop: " + what + ": " + std::strerror(err), true);
}

bool is_plain_name(std::string_view name) {
  if (name.empty() || name.size() > 200 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string safe_part(std::string_view part) {
  std::string out;
  for (char c : part.substr(0, 80)) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    out += ok ? c : '-';
  }
  return out;
}

// Whether the file at `path` holds exactly `content`.
bool holds(const std::string& path, std::string_view content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str() == content;
}

void flush_directory(const std::string& directory) {
  int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

std::string FileDrop::file_name(std::string_view facility, std::string_view period_label,
                                std::string_view what, std::string_view extension) {
  return safe_part(facility) + "_" + safe_part(period_label) + "_" + safe_part(what) + "." +
         safe_part(extension);
}

std::string FileDrop::tagged_name(std::string_view name, std::string_view tag) {
  const std::size_t dot = name.rfind('.');
  const std::string_view stem = dot == std::string_view::npos ? name : name.substr(0, dot);
  const std::string_view extension =
      dot == std::string_view::npos ? std::string_view() : name.substr(dot);
  return std::string(stem) + "-" + safe_part(tag) + std::string(extension);
}

Result<std::string> FileDrop::write(std::string_view name, std::string_view content) const {
  if (!is_plain_name(name)) {
    return Error(ErrorCode::kInvalidArgument, "MOH file drop: not a plain file name", false);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(directory_, ec)) {
    std::filesystem::create_directories(directory_, ec);
    if (ec) return unavailable("cannot create " + directory_, ec.value());
    std::filesystem::permissions(directory_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  static std::atomic<unsigned> sequence{0};
  const std::string final_path = directory_ + "/" + std::string(name);
  const std::string temp_path = directory_ + "/." + std::string(name) + ".tmp-" +
                                std::to_string(getpid()) + "-" + std::to_string(++sequence);
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return unavailable("cannot create a file in " + directory_, errno);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(temp_path.c_str());
      return unavailable("cannot write " + std::string(name), err);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(temp_path.c_str());
    return unavailable("cannot flush " + std::string(name), err);
  }
  // link() never replaces an existing name, as rename() would.
  const int linked = ::link(temp_path.c_str(), final_path.c_str());
  const int err = linked == 0 ? 0 : errno;
  ::unlink(temp_path.c_str());
  if (linked != 0) {
    if (err != EEXIST) return unavailable("cannot link " + std::string(name), err);
    if (!holds(final_path, content)) {
      return Error(
          ErrorCode::kAlreadyExists,
          "MOH file drop: " + std::string(name) + " exists with other content; it is not replaced",
          false);
    }
  }
  flush_directory(directory_);
  return final_path;
}

Result<int> FileDrop::sweep(std::string_view facility,
                            std::chrono::system_clock::time_point older_than) const {
  const std::string prefix = safe_part(facility) + "_";
  DIR* dir = ::opendir(directory_.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return 0;
    return unavailable("cannot read " + directory_, errno);
  }
  const auto limit =
      std::chrono::duration_cast<std::chrono::seconds>(older_than.time_since_epoch()).count();
  int deleted = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string path = directory_ + "/" + std::string(name);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (st.st_mtime >= limit) continue;
    if (::unlink(path.c_str()) == 0) ++deleted;
  }
  ::closedir(dir);
  if (deleted > 0) flush_directory(directory_);
  return deleted;
}

}  // namespace wasl::plugins::moh
