#include "hub/object_store/durable_file_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"

namespace wasl::object_store {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Status;

namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Error(ErrorCode::kUnavailable,
               std::string(what) + " " + path.string() + " failed: " + std::strerror(err), true);
}

}  // namespace

sdk::Result<DurableFileWriter> DurableFileWriter::create(const std::filesystem::path& target,
                                                         bool direct) {
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Error(ErrorCode::kUnavailable,
                   "creating the archive directory " + dir.string() + " failed: " + ec.message(),
                   true);
    }
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
    // The new directory's own entry must survive a crash too.
    std::filesystem::path parent = dir.parent_path();
    WASL_RETURN_IF_ERROR(sync_directory(parent.empty() ? std::filesystem::path(".") : parent));
  }
  WASL_ASSIGN_OR_RETURN(std::string suffix, crypto::random_bytes(8));
  std::filesystem::path temporary = target;
  temporary += ".tmp-" + crypto::to_hex(suffix);
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  int fd = -1;
  if (direct) {
    fd = ::open(temporary.c_str(), flags | O_DIRECT, 0600);
    if (fd < 0 && errno != EINVAL) return io_error("creating", temporary, errno);
    direct = fd >= 0;
  }
  if (fd < 0) fd = ::open(temporary.c_str(), flags, 0600);
  if (fd < 0) return io_error("creating", temporary, errno);
  return DurableFileWriter(target, std::move(temporary), fd, direct);
}

DurableFileWriter::DurableFileWriter(std::filesystem::path target, std::filesystem::path temporary,
                                     int fd, bool direct)
    : target_(std::move(target)), temporary_(std::move(temporary)), fd_(fd), direct_(direct) {}

DurableFileWriter::DurableFileWriter(DurableFileWriter&& other) noexcept
    : target_(std::move(other.target_)),
      temporary_(std::move(other.temporary_)),
      fd_(other.fd_),
      written_(other.written_),
      committed_(other.committed_),
      direct_(other.direct_) {
  other.fd_ = -1;
  other.committed_ = true;  // the moved-from object owns nothing to discard
}

DurableFileWriter& DurableFileWriter::operator=(DurableFileWriter&& other) noexcept {
  if (this != &other) {
    discard();
    target_ = std::move(other.target_);
    temporary_ = std::move(other.temporary_);
    fd_ = other.fd_;
    written_ = other.written_;
    committed_ = other.committed_;
    direct_ = other.direct_;
    other.fd_ = -1;
    other.committed_ = true;
  }
  return *this;
}

DurableFileWriter::~DurableFileWriter() { discard(); }

void DurableFileWriter::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!committed_ && !temporary_.empty()) {
    ::unlink(temporary_.c_str());
    committed_ = true;
  }
}

Status DurableFileWriter::stop_direct() {
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) {
    return io_error("leaving direct I/O on", temporary_, errno);
  }
  direct_ = false;
  return {};
}

Status DurableFileWriter::write(std::string_view bytes) {
  if (fd_ < 0) {
    return Error(ErrorCode::kFailedPrecondition, "the archive file is already closed", false);
  }
  if (direct_ && (reinterpret_cast<std::uintptr_t>(bytes.data()) % kDirectAlignment != 0 ||
                  bytes.size() % kDirectAlignment != 0)) {
    WASL_RETURN_IF_ERROR(stop_direct());
  }
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      // A file system that opened the file direct but will not write so.
      if (errno == EINVAL && direct_) {
        WASL_RETURN_IF_ERROR(stop_direct());
        continue;
      }
      return io_error("writing", temporary_, errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
    written_ += static_cast<std::uint64_t>(n);
    if (direct_ && bytes.size() % kDirectAlignment != 0) WASL_RETURN_IF_ERROR(stop_direct());
  }
  return {};
}

Status DurableFileWriter::commit() {
  if (fd_ < 0) {
    return Error(ErrorCode::kFailedPrecondition, "the archive file is already closed", false);
  }
  if (::fsync(fd_) != 0) return io_error("syncing", temporary_, errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return io_error("closing", temporary_, errno);
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    return io_error("renaming into place", target_, errno);
  }
  committed_ = true;
  std::filesystem::path dir = target_.parent_path();
  return sync_directory(dir.empty() ? std::filesystem::path(".") : dir);
}

Status sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("opening directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("syncing directory", dir, err);
  return {};
}

}  // namespace wasl::object_store
