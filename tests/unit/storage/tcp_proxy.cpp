#include "tests/unit/storage/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace wasl::storage::testing {

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("TcpProxy: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpProxy::~TcpProxy() {
  stopping_.store(true);
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  cut();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  std::lock_guard lock(mutex_);
  for (int fd : fds_) ::close(fd);
  ::close(listen_fd_);
}

void TcpProxy::freeze() {
  std::lock_guard lock(mutex_);
  for (auto& f : frozen_) f->store(true);
}

void TcpProxy::isolate() {
  std::lock_guard lock(mutex_);
  isolated_ = true;
  for (auto& f : frozen_) f->store(true);
}

void TcpProxy::thaw() {
  std::lock_guard lock(mutex_);
  isolated_ = false;
  for (auto& f : frozen_) f->store(false);
}

void TcpProxy::cut() {
  std::lock_guard lock(mutex_);
  for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
}

void TcpProxy::accept_loop() {
  while (!stopping_.load()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(static_cast<std::uint16_t>(target_port_));
    if (::connect(server, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
      ::close(client);
      ::close(server);
      continue;
    }
    accepted_.fetch_add(1);
    std::lock_guard lock(mutex_);
    fds_.push_back(client);
    fds_.push_back(server);
    auto frozen = std::make_shared<std::atomic<bool>>(isolated_);
    frozen_.push_back(frozen);
    threads_.emplace_back([this, client, server, frozen] { pump(client, server, frozen); });
  }
}

void TcpProxy::pump(int client, int server, std::shared_ptr<std::atomic<bool>> frozen) {
  char buf[16384];
  for (;;) {
    if (stopping_.load()) return;
    if (frozen->load()) {
      // Hold everything: read nothing, write nothing, close nothing.
      pollfd idle{-1, 0, 0};
      ::poll(&idle, 0, 20);
      continue;
    }
    pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(p, 2, 20) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (p[i].revents == 0) continue;
      int from = i == 0 ? client : server;
      int to = i == 0 ? server : client;
      ssize_t n = ::recv(from, buf, sizeof buf, 0);
      if (n <= 0) {
        ::shutdown(to, SHUT_RDWR);
        return;
      }
      for (ssize_t sent = 0; sent < n;) {
        ssize_t w = ::send(to, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (w <= 0) return;
        sent += w;
      }
    }
  }
}

}  // namespace wasl::storage::testing
