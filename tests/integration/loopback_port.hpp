// A loopback TCP port free now, for a server a test starts later whose
// address must be known first (a callback URL the IdP registers, a port kept
// across a hub's restarts). Chosen below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range), from which outgoing connections
// and servers binding port 0 take theirs: asking the kernel for port 0 and
// handing the number on, another test's connection could take it before
// the server binds it (seen as "Address already in use" under ctest -j2).
// A random port in [10000, the range's start), checked by binding it; the
// kernel's choice when none of 200 tries is free.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>

namespace wasl::testing {

inline int unused_loopback_port() {
  int low = 32768;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  range >> low;
  auto bound = [](int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    socklen_t size = sizeof(address);
    int got = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      got = ntohs(address.sin_port);
    }
    ::close(fd);
    return got;
  };
  if (low > 11000) {
    std::random_device seed;
    std::mt19937 random(seed());
    std::uniform_int_distribution<int> pick(10000, low - 1);
    for (int i = 0; i < 200; ++i) {
      if (int port = bound(pick(random)); port != 0) return port;
    }
  }
  return bound(0);
}

}  // namespace wasl::testing
