#include "plugins/hl7v2/mllp_client.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace wasl::plugins::hl7v2 {

namespace {

using sdk::Error;
using sdk::ErrorCode;
using Clock = std::chrono::steady_clock;

constexpr char kStartBlock = 0x0B;
constexpr char kEndBlock = 0x1C;
constexpr char kCarriageReturn = 0x0D;

// Closes the descriptor it owns.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string where(const MllpEndpoint& e) { return e.host + ":" + std::to_string(e.port); }

Error timed_out(const MllpEndpoint& e, std::string_view during) {
  return Error(ErrorCode::kDeadlineExceeded,
               "MLLP " + where(e) + ": no " + std::string(during) + " within " +
                   std::to_string(e.timeout.count()) + " ms",
               true);
}

Error unavailable(const MllpEndpoint& e, std::string_view what, int error_number) {
  std::string message = "MLLP " + where(e) + ": " + std::string(what);
  if (error_number != 0) message += " (" + std::string(std::strerror(error_number)) + ")";
  return Error(ErrorCode::kUnavailable, std::move(message), true);
}

// Waits until `fd` is ready for `events` or `deadline` has passed; false on
// a timeout. A failed poll other than EINTR counts as ready (the next call
// reports the socket's error).
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    // Rounded up, so the wait never ends before the deadline.
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;
  }
}

// A connected non-blocking socket to one of `endpoint`'s addresses.
sdk::Result<int> connect_to(const MllpEndpoint& endpoint, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  if (int rc = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Error(
        ErrorCode::kUnavailable,
        "MLLP " + where(endpoint) + ": the host does not resolve (" + ::gai_strerror(rc) + ")",
        true);
  }
  int last_error = 0;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    if (errno != EINPROGRESS) {
      last_error = errno;
      ::close(fd);
      continue;
    }
    if (!wait_for(fd, POLLOUT, deadline)) {
      ::close(fd);
      ::freeaddrinfo(found);
      return timed_out(endpoint, "connection");
    }
    int so_error = 0;
    socklen_t length = sizeof so_error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) == 0 && so_error == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    last_error = so_error != 0 ? so_error : errno;
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return unavailable(endpoint, "cannot connect", last_error);
}

}  // namespace

sdk::Result<std::string> mllp_exchange(const MllpEndpoint& endpoint, std::string_view message) {
  const Clock::time_point deadline = Clock::now() + endpoint.timeout;
  WASL_ASSIGN_OR_RETURN(int fd, connect_to(endpoint, deadline));
  Socket socket(fd);

  std::string frame;
  frame.reserve(message.size() + 3);
  frame += kStartBlock;
  frame += message;
  frame += kEndBlock;
  frame += kCarriageReturn;
  for (std::size_t sent = 0; sent < frame.size();) {
    const ssize_t n = ::send(fd, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline)) return timed_out(endpoint, "room to write");
      continue;
    }
    return unavailable(endpoint, "the connection failed while writing", n < 0 ? errno : 0);
  }

  std::string answer;
  char buffer[4096];
  for (;;) {
    const std::size_t end = answer.find(std::string{kEndBlock, kCarriageReturn});
    if (!answer.empty() && answer.front() != kStartBlock) {
      return Error(ErrorCode::kInvalidArgument,
                   "MLLP " + where(endpoint) + ": the answer does not start an MLLP frame", false);
    }
    if (end != std::string::npos) return answer.substr(1, end - 1);
    if (answer.size() > kMaxMllpAnswerBytes) {
      return Error(ErrorCode::kResourceExhausted,
                   "MLLP " + where(endpoint) + ": the answer exceeds " +
                       std::to_string(kMaxMllpAnswerBytes) + " bytes",
                   false);
    }
    if (!wait_for(fd, POLLIN, deadline)) return timed_out(endpoint, "acknowledgement");
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      answer.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return unavailable(endpoint, "the peer closed the connection without an acknowledgement", 0);
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return unavailable(endpoint, "the connection failed while reading", errno);
    }
  }
}

}  // namespace wasl::plugins::hl7v2
