// TcpProxy: a TCP forwarder a test controls, to put a network fault between
// the hub and its database. It listens on 127.0.0.1 (a free port) and
// forwards each connection to `target_port`. freeze() stops moving bytes in
// both directions on every connection open now, while their sockets stay
// open: to both ends such a connection looks alive but nothing arrives (a
// half-open connection). Connections made later flow normally. thaw()
// resumes the frozen ones. isolate() freezes every connection open now and
// every one made until thaw(): the database is unreachable (a partition),
// while both ends' sockets stay open. cut() closes every forwarded connection.
//
// Thread-safe. The destructor stops the listener and closes everything.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wasl::storage::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  int port() const { return port_; }
  void freeze();
  void isolate();
  void thaw();
  void cut();
  int connections() const { return accepted_.load(); }

 private:
  void accept_loop();
  void pump(int client, int server, std::shared_ptr<std::atomic<bool>> frozen);

  int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  bool isolated_ = false;  // under mutex_
  std::atomic<int> accepted_{0};
  std::mutex mutex_;
  std::vector<int> fds_;                                    // every forwarded socket, both sides
  std::vector<std::shared_ptr<std::atomic<bool>>> frozen_;  // one per connection
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace wasl::storage::testing
