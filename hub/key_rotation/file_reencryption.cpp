#include "hub/key_rotation/file_reencryption.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "hub/crypto/stream_cipher.hpp"

namespace wasl::key_rotation {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

Error io_error(std::string_view what, const std::filesystem::path& path, int err) {
  return Error(ErrorCode::kUnavailable,
               std::string(what) + " " + path.string() + " failed: " + std::strerror(err));
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("writing", path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::uint64_t> reencrypt_into(std::shared_ptr<const crypto::Keyring> keyring, int in_fd,
                                     int out_fd, const std::filesystem::path& source,
                                     const std::filesystem::path& tmp,
                                     std::optional<std::uint64_t> expected,
                                     std::string_view binding) {
  WASL_ASSIGN_OR_RETURN(
      crypto::StreamEncryptor encryptor,
      crypto::StreamEncryptor::create(
          *keyring, [&](std::string_view bytes) { return write_all(out_fd, bytes, tmp); },
          binding));
  WASL_ASSIGN_OR_RETURN(
      crypto::StreamDecryptor decryptor,
      crypto::StreamDecryptor::create(
          std::move(keyring), [&](std::string_view plain) { return encryptor.write(plain); },
          expected, binding));
  auto buffer = std::make_unique<char[]>(crypto::kStreamSegmentSize);
  for (;;) {
    ssize_t n = ::read(in_fd, buffer.get(), crypto::kStreamSegmentSize);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("reading", source, errno);
    }
    if (n == 0) break;
    WASL_RETURN_IF_ERROR(decryptor.write({buffer.get(), static_cast<std::size_t>(n)}));
  }
  WASL_RETURN_IF_ERROR(decryptor.finish());
  WASL_RETURN_IF_ERROR(encryptor.finish());
  if (::fsync(out_fd) != 0) return io_error("syncing", tmp, errno);
  return decryptor.plaintext_size();
}

}  // namespace

Result<std::string> stream_file_key_id(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("opening", path, errno);
  char header[crypto::stream_header_size(64)];
  std::size_t got = 0;
  while (got < 8) {
    ssize_t n = ::read(fd.get(), header + got, sizeof header - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("reading", path, errno);
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got < 8 || std::memcmp(header, "WASLSE", 6) != 0) {
    return Error(ErrorCode::kInvalidArgument, path.string() + " is not a Wasl stream file");
  }
  std::size_t len = static_cast<unsigned char>(header[7]);
  if (len == 0 || len > 64 || got < 8 + len) {
    return Error(ErrorCode::kInvalidArgument, path.string() + " has a malformed stream header");
  }
  return std::string(header + 8, len);
}

Result<std::uint64_t> reencrypt_stream_file(std::shared_ptr<const crypto::Keyring> keyring,
                                            const std::filesystem::path& source,
                                            const std::filesystem::path& target,
                                            std::optional<std::uint64_t> expected,
                                            std::string_view binding) {
  std::filesystem::path tmp = target;
  tmp += ".tmp";
  Fd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return io_error("opening", source, errno);
  Fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (out.get() < 0) return io_error("creating", tmp, errno);
  auto written =
      reencrypt_into(std::move(keyring), in.get(), out.get(), source, tmp, expected, binding);
  int closed = ::close(out.release());
  if (written.ok() && closed != 0) written = io_error("closing", tmp, errno);
  if (written.ok() && ::rename(tmp.c_str(), target.c_str()) != 0) {
    written = io_error("renaming into", target, errno);
  }
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return written;
  }
  WASL_RETURN_IF_ERROR(sync_parent_directory(target));
  return written;
}

Status sync_parent_directory(const std::filesystem::path& path) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("opening directory", dir, errno);
  if (::fsync(fd.get()) != 0) return io_error("syncing directory", dir, errno);
  return {};
}

}  // namespace wasl::key_rotation
