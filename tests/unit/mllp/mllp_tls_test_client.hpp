// MllpTlsTestClient: a loopback TLS client for the listener's tests, on a
// POSIX socket with OpenSSL's own SSL object (not Asio), so that the tests
// share no code with the listener. Non-blocking underneath: every wait is a
// poll bounded by a deadline. It verifies the listener's certificate against
// `ca_file` for IP 127.0.0.1, and presents a client certificate when given
// one. OpenSSL writes with write(2): the test process ignores SIGPIPE, so a
// listener that closes first is an error the client reports.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::mllp::testing {

struct TlsClientSettings {
  std::string ca_file;           // verifies the listener's certificate
  std::string certificate_file;  // empty: no client certificate
  std::string key_file;
  int max_version = 0;  // e.g. TLS1_1_VERSION; 0: OpenSSL's newest
  bool legacy = false;  // security level 0, so that TLS 1.0/1.1 may be offered
};

class MllpTlsTestClient {
 public:
  using Clock = std::chrono::steady_clock;

  // Connects to 127.0.0.1:port (no handshake yet); valid() is false when
  // the connection or the client's setup fails (see error()).
  MllpTlsTestClient(std::uint16_t port, const TlsClientSettings& settings) {
    ::signal(SIGPIPE, SIG_IGN);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      error_ = "connect failed";
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);

    context_ = SSL_CTX_new(TLS_client_method());
    if (context_ == nullptr || !set_up(settings)) {
      error_ = "client setup failed: " + openssl_error();
      ::close(fd_);
      fd_ = -1;
      return;
    }
    ssl_ = SSL_new(context_);
    SSL_set_fd(ssl_, fd_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
  }
  ~MllpTlsTestClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (context_ != nullptr) SSL_CTX_free(context_);
    if (fd_ >= 0) ::close(fd_);
  }
  MllpTlsTestClient(const MllpTlsTestClient&) = delete;
  MllpTlsTestClient& operator=(const MllpTlsTestClient&) = delete;

  bool valid() const { return fd_ >= 0; }
  // OpenSSL's reason for the last failure.
  const std::string& error() const { return error_; }

  // Whether the handshake completes before `within` passes. Under TLS 1.3
  // the client's side completes before the listener has checked the client
  // certificate: a refusal then shows on the next read.
  bool handshake(std::chrono::milliseconds within) {
    const Clock::time_point deadline = Clock::now() + within;
    for (;;) {
      const int result = SSL_connect(ssl_);
      if (result == 1) return true;
      if (!wait(SSL_get_error(ssl_, result), deadline)) return false;
    }
  }

  bool send_all(std::string_view bytes,
                std::chrono::milliseconds within = std::chrono::seconds(5)) {
    const Clock::time_point deadline = Clock::now() + within;
    while (!bytes.empty()) {
      const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (!wait(SSL_get_error(ssl_, n), deadline)) return false;
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

  // Whether the listener ends the connection (close_notify, end of stream,
  // an alert or a reset) before `within` passes.
  bool closed_within(std::chrono::milliseconds within) {
    const Clock::time_point deadline = Clock::now() + within;
    while (read_some(deadline)) {
    }
    return ended_;
  }

 private:
  bool set_up(const TlsClientSettings& settings) {
    if (settings.legacy && SSL_CTX_set_cipher_list(context_, "DEFAULT:@SECLEVEL=0") != 1) {
      return false;
    }
    if (settings.max_version != 0 &&
        (SSL_CTX_set_min_proto_version(context_, 0) != 1 ||
         SSL_CTX_set_max_proto_version(context_, settings.max_version) != 1)) {
      return false;
    }
    if (SSL_CTX_load_verify_locations(context_, settings.ca_file.c_str(), nullptr) != 1) {
      return false;
    }
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    if (!settings.certificate_file.empty() &&
        (SSL_CTX_use_certificate_chain_file(context_, settings.certificate_file.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(context_, settings.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
      return false;
    }
    return true;
  }

  static std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return "no OpenSSL error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
  }

  // After an SSL call returned `ssl_error`: waits for the socket as it asks,
  // until the deadline. False (error_ set, ended_ when the connection is
  // over) when the call failed for good or the deadline passed.
  bool wait(int ssl_error, Clock::time_point deadline) {
    short events = 0;
    if (ssl_error == SSL_ERROR_WANT_READ) {
      events = POLLIN;
    } else if (ssl_error == SSL_ERROR_WANT_WRITE) {
      events = POLLOUT;
    } else {
      error_ = ssl_error == SSL_ERROR_ZERO_RETURN ? "close_notify" : openssl_error();
      if (ssl_error == SSL_ERROR_SYSCALL && error_ == "no OpenSSL error") {
        error_ = "end of stream";
      }
      ended_ = true;
      return false;
    }
    const auto left = std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    pollfd p{fd_, events, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) {
      error_ = "deadline";
      return false;
    }
    return true;
  }

  // Reads what arrives before the deadline into buffered_; false when the
  // connection has ended or the deadline passed.
  bool read_some(Clock::time_point deadline) {
    if (ended_) return false;
    for (;;) {
      char chunk[16384];
      const int n = SSL_read(ssl_, chunk, sizeof chunk);
      if (n > 0) {
        buffered_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (!wait(SSL_get_error(ssl_, n), deadline)) return false;
    }
  }

  int fd_ = -1;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  bool ended_ = false;
  std::string error_;
  std::string buffered_;
};

}  // namespace wasl::mllp::testing
