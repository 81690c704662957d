// wasl_peer_node_suite PEER COMMAND...: installs the npm dependencies of
// tests/peers/PEER as PeerProcess does (npm ci when node_modules is missing
// or stale, under the same file lock, so a C++ test starting the peer at the
// same time installs once with it), then replaces itself with COMMAND (the
// peer's `node --test`). A failed install is a failed test: it prints npm's
// log and exits 1; it never skips. Registered by wasl_add_peer_node_suite().
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

#include "tests/peers/support/peer_process.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: wasl_peer_node_suite PEER COMMAND [ARGS...]\n";
    return 2;
  }
  auto installed = wasl::testing::PeerProcess::install(argv[1]);
  if (!installed.ok()) {
    std::cerr << "the npm dependencies of tests/peers/" << argv[1]
              << " are not installed: " << installed.error().message << "\n";
    return 1;
  }
  std::vector<char*> command(argv + 2, argv + argc);
  command.push_back(nullptr);
  execv(command[0], command.data());
  std::cerr << "cannot run " << command[0] << ": " << std::strerror(errno) << "\n";
  return 1;
}
