#include "tests/integration/hub_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "hub/storage/store.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>

extern char** environ;

namespace wasl::testing {
namespace {

// Spawns `wasl args…` with stdout and stderr on pipes.
int spawn_wasl(const std::vector<std::string>& args, int* out_fd, int* err_fd,
               const std::string& cwd) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::string binary = wasl_binary();
  std::vector<char*> argv;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return -1;
  }
  *out_fd = out_pipe[0];
  *err_fd = err_pipe[0];
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string wasl_binary() {
  // WASL_TEST_BINARY runs the same tests against another build of the hub
  // (an AddressSanitizer one, for instance).
  if (const char* other = std::getenv("WASL_TEST_BINARY"); other != nullptr && *other != '\0') {
    return other;
  }
  return std::string(WASL_BINARY_DIR) + "/bin/wasl";
}

namespace {

// Reads the process's stdout and stderr until both close (or `timeout`
// passes: then it is killed) and reaps it.
CommandResult collect(int pid, int out_fd, int err_fd, std::chrono::seconds timeout) {
  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  if (open_fds > 0) {
    kill(pid, SIGKILL);
    for (auto& f : fds)
      if (f.fd >= 0) close(f.fd);
    ADD_FAILURE() << "wasl did not finish within " << timeout.count() << " s";
  }
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = decode_status(status);
  return result;
}

}  // namespace

CommandResult run_wasl(const std::vector<std::string>& args, std::chrono::seconds timeout,
                       const std::string& cwd) {
  int out_fd = -1;
  int err_fd = -1;
  int pid = spawn_wasl(args, &out_fd, &err_fd, cwd);
  if (pid < 0) {
    ADD_FAILURE() << "could not start " << wasl_binary();
    return {};
  }
  return collect(pid, out_fd, err_fd, timeout);
}

BackgroundCommand::BackgroundCommand(const std::vector<std::string>& args, const std::string& cwd) {
  pid_ = spawn_wasl(args, &out_fd_, &err_fd_, cwd);
  if (pid_ < 0) ADD_FAILURE() << "could not start " << wasl_binary();
}

BackgroundCommand::~BackgroundCommand() {
  if (pid_ < 0 || waited_) return;
  kill(pid_, SIGKILL);
  close(out_fd_);
  close(err_fd_);
  int status = 0;
  waitpid(pid_, &status, 0);
}

CommandResult BackgroundCommand::wait(std::chrono::seconds timeout) {
  if (pid_ < 0 || waited_) return {};
  waited_ = true;
  return collect(pid_, out_fd_, err_fd_, timeout);
}

TempDir::TempDir() {
  std::random_device rd;
  std::string base = std::filesystem::temp_directory_path().string() + "/wasl-test-";
  for (;;) {
    path_ = base + std::to_string(rd());
    if (std::filesystem::create_directory(path_)) break;
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& text) const {
  std::ofstream(file(name), std::ios::binary) << text;
}

std::string fresh_postgres_schema(const std::string& base_url) {
  static std::atomic<int> counter{0};
  const std::string schema =
      "wasl_e2e_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  storage::PostgresOptions admin;
  admin.url = base_url;
  auto opened = storage::open_postgres(admin);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  if (opened.ok()) {
    auto tx = (*opened)->begin();
    EXPECT_TRUE(tx.ok());
    if (tx.ok()) {
      EXPECT_TRUE(
          (*tx)
              ->exec_script("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema)
              .ok());
      EXPECT_TRUE((*tx)->commit().ok());
    }
  }
  return base_url + (base_url.find('?') == std::string::npos ? "?" : "&") +
         "options=-c%20search_path%3D" + schema;
}

std::string postgres_test_url() {
  const char* file = std::getenv("WASL_TEST_POSTGRES_URL_FILE");
  if (!file) {
    ADD_FAILURE() << "WASL_TEST_POSTGRES_URL_FILE is not set: run through ctest";
    return {};
  }
  std::ifstream in(file);
  std::string url;
  std::getline(in, url);
  if (url.empty()) ADD_FAILURE() << "no PostgreSQL URI in " << file;
  return url;
}

HubProcess::HubProcess(const std::string& config_path, const std::string& cwd) {
  int out_fd = -1;
  int err_fd = -1;
  pid_ = spawn_wasl({"serve", "--config", config_path}, &out_fd, &err_fd, cwd);
  if (pid_ < 0) {
    ADD_FAILURE() << "could not start " << wasl_binary();
    exited_ = true;
    return;
  }
  close(out_fd);
  reader_ = std::thread([this, err_fd] { read_output(err_fd); });
}

HubProcess::~HubProcess() {
  if (pid_ > 0) {
    bool running;
    {
      std::lock_guard lock(mutex_);
      running = !exited_;
    }
    if (running) kill(pid_, SIGKILL);
  }
  if (reader_.joinable()) reader_.join();
}

void HubProcess::read_output(int fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    std::lock_guard lock(mutex_);
    log_.append(buf, static_cast<size_t>(n));
    changed_.notify_all();
  }
  close(fd);
  int status = 0;
  waitpid(pid_, &status, 0);
  std::lock_guard lock(mutex_);
  exit_code_ = decode_status(status);
  exited_ = true;
  changed_.notify_all();
}

std::optional<int> HubProcess::wait_until_listening(std::chrono::milliseconds deadline) {
  static const std::regex listening(R"(listening on [^:"]+:(\d+))");
  std::unique_lock lock(mutex_);
  std::optional<int> port;
  changed_.wait_for(lock, deadline, [&] {
    std::smatch m;
    if (std::regex_search(log_, m, listening)) port = std::stoi(m[1]);
    return port.has_value() || exited_;
  });
  return port;
}

void HubProcess::signal(int sig) { kill(pid_, sig); }

std::optional<int> HubProcess::wait_for_exit(std::chrono::milliseconds deadline) {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, deadline, [&] { return exited_; })) return std::nullopt;
  return exit_code_;
}

std::string HubProcess::log() const {
  std::lock_guard lock(mutex_);
  return log_;
}

HttpAnswer http_get(int port, const std::string& path) { return http_request(port, "GET", path); }

HttpAnswer http_request(int port, const std::string& method, const std::string& path,
                        const std::string& api_key, const std::string& body,
                        const std::string& idempotency_key) {
  HttpAnswer answer;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!api_key.empty()) request.set("Authorization", "Bearer " + api_key);
    if (!idempotency_key.empty()) request.set("Idempotency-Key", idempotency_key);
    if (!body.empty()) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, answer.body);
    answer.status = static_cast<int>(response.getStatus());
    answer.content_type = response.getContentType();
  } catch (const std::exception& e) {
    ADD_FAILURE() << method << " " << path << " failed: " << e.what();
  }
  return answer;
}

}  // namespace wasl::testing
