// The Janus scripts/test-janus starts (ctest fixture "janus", see
// tests/CMakeLists.txt): its API and admin API URLs, secrets and the URL its
// event handler posts to, read from <build>/test-janus/endpoints. A test that
// needs Janus and finds no endpoints fails with the reason; it never skips.
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace wasl::plugins::janus::testing {

struct JanusServer {
  std::string api_url;    // "http://127.0.0.1:<port>/janus"
  std::string admin_url;  // "http://127.0.0.1:<port>/admin"
  std::string admin_secret;
  std::string room_admin_key;
  std::string events_url;  // where the event handler posts
  std::string events_user;
  std::string events_password;
  std::string recordings;  // a folder Janus may record under

  static JanusServer from_fixture(const std::filesystem::path& binary_dir) {
    const std::filesystem::path file = binary_dir / "test-janus" / "endpoints";
    std::ifstream in(file);
    if (!in) {
      throw std::runtime_error(file.string() +
                               " is missing: the ctest fixture janus.start (scripts/test-janus) "
                               "did not run or failed");
    }
    std::map<std::string, std::string> values;
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    JanusServer server;
    server.api_url = values["api_url"];
    server.admin_url = values["admin_url"];
    server.admin_secret = values["admin_secret"];
    server.room_admin_key = values["room_admin_key"];
    server.events_url = values["events_url"];
    server.events_user = values["events_user"];
    server.events_password = values["events_password"];
    server.recordings = values["recordings"];
    if (server.api_url.empty() || server.admin_url.empty() || server.admin_secret.empty() ||
        server.room_admin_key.empty() || server.events_url.empty()) {
      throw std::runtime_error(file.string() + " lacks a URL or a secret");
    }
    return server;
  }
};

}  // namespace wasl::plugins::janus::testing
