#include "plugins/moh/file_drop.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

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

}  // namespace

std::string FileDrop::file_name(std::string_view facility, std::string_view period_label,
                                std::string_view what, std::string_view extension) {
  return safe_part(facility) + "_" + safe_part(period_label) + "_" + safe_part(what) + "." +
         safe_part(extension);
}

Result<std::string> FileDrop::write(std::string_view name, std::string_view content) const {
  if (!is_plain_name(name)) {
    return Error(ErrorCode::kInvalidArgument, "MOH file drop: not a plain file name", false);
  }
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
  if (ec) return unavailable("cannot create " + directory_, ec.value());
  static std::atomic<unsigned> sequence{0};
  const std::string final_path = directory_ + "/" + std::string(name);
  const std::string temp_path = directory_ + "/." + std::string(name) + ".tmp-" +
                                std::to_string(getpid()) + "-" + std::to_string(++sequence);
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
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
  if (::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_path.c_str());
    return unavailable("cannot rename into " + std::string(name), err);
  }
  int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return final_path;
}

}  // namespace wasl::plugins::moh
