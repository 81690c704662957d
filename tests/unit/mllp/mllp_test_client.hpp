// MllpTestClient: a blocking loopback client for the listener's tests, on
// plain POSIX sockets so that the tests share no code with the listener.
// Every wait is bounded by a deadline.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::mllp::testing {

using Clock = std::chrono::steady_clock;

inline std::string frame(std::string_view message) {
  std::string out = "\x0b";
  out += message;
  out += "\x1c\r";
  return out;
}

class MllpTestClient {
 public:
  // Connects to 127.0.0.1:port; valid() is false when that fails.
  explicit MllpTestClient(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~MllpTestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  MllpTestClient(const MllpTestClient&) = delete;
  MllpTestClient& operator=(const MllpTestClient&) = delete;

  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  bool send_all(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // The next framed message's payload, or nothing when the connection ends
  // or the deadline passes first.
  std::optional<std::string> read_frame(std::chrono::milliseconds within) {
    const Clock::time_point deadline = Clock::now() + within;
    for (;;) {
      const std::size_t start = buffered_.find('\x0b');
      if (start != std::string::npos) {
        const std::size_t end = buffered_.find("\x1c\r", start);
        if (end != std::string::npos) {
          std::string message = buffered_.substr(start + 1, end - start - 1);
          buffered_.erase(0, end + 2);
          return message;
        }
      }
      if (!read_some(deadline)) return std::nullopt;
    }
  }

  // Whether the listener closes the connection before `within` passes
  // (end of stream or reset; bytes arriving meanwhile are kept). With 0,
  // whether it is closed already.
  bool closed_within(std::chrono::milliseconds within) {
    const Clock::time_point deadline = Clock::now() + within;
    for (;;) {
      if (!read_some(deadline)) return eof_;
      if (Clock::now() >= deadline) return false;
    }
  }

 private:
  // Reads what arrives before the deadline into buffered_; false at the end
  // of the stream (eof_ set), on an error (eof_ set) or at the deadline.
  bool read_some(Clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready <= 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) return true;
      eof_ = true;
      return false;
    }
    buffered_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string buffered_;
};

}  // namespace wasl::mllp::testing
