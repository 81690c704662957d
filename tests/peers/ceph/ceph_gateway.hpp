// The S3 gateway of the test cluster scripts/test-ceph starts (ctest fixture
// "ceph", see tests/CMakeLists.txt): where it listens and the S3 user's keys,
// read from <build>/test-ceph/credentials. A test that needs the gateway and
// finds no credentials fails with the reason; it never skips.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace wasl::testing {

struct CephGateway {
  std::string endpoint;  // "http://127.0.0.1:<port>"
  std::string region;
  std::string access_key;
  std::string secret_key;
  std::filesystem::path cluster_dir;  // for scripts/test-ceph gateway-stop / gateway-start

  // Reads the credentials the fixture wrote; throws std::runtime_error naming
  // the file when it is missing or incomplete.
  static CephGateway from_fixture(const std::filesystem::path& binary_dir) {
    CephGateway gateway;
    gateway.cluster_dir = binary_dir / "test-ceph";
    const std::filesystem::path file = gateway.cluster_dir / "credentials";
    std::ifstream in(file);
    if (!in) {
      throw std::runtime_error(file.string() +
                               " is missing: the ctest fixture ceph.start (scripts/test-ceph) "
                               "did not run or failed");
    }
    std::string line;
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string name = line.substr(0, eq);
      const std::string value = line.substr(eq + 1);
      if (name == "endpoint") gateway.endpoint = value;
      if (name == "region") gateway.region = value;
      if (name == "access_key") gateway.access_key = value;
      if (name == "secret_key") gateway.secret_key = value;
    }
    if (gateway.endpoint.empty() || gateway.access_key.empty() || gateway.secret_key.empty()) {
      throw std::runtime_error(file.string() + " lacks endpoint, access_key or secret_key");
    }
    if (gateway.region.empty()) gateway.region = "us-east-1";
    return gateway;
  }

  // Stops or starts the gateway alone (the cluster and its objects stay), as
  // a store that goes away and comes back. Returns the script's exit status.
  int stop_gateway() const { return script("gateway-stop"); }
  int start_gateway() const { return script("gateway-start"); }

 private:
  int script(const char* command) const {
    const std::string line = std::string(WASL_SOURCE_DIR) + "/scripts/test-ceph " + command + " '" +
                             cluster_dir.string() + "' >/dev/null 2>&1";
    return std::system(line.c_str());
  }
};

}  // namespace wasl::testing
