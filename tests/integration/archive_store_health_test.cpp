// A real `wasl serve` whose archive writes to an S3 store (the Ceph RADOS
// Gateway of the ctest fixture "ceph"): /readyz shows the active store and
// its state, /metrics the store's requests, and both follow the gateway
// going away and coming back. The stale-upload sweep, which the hub runs at
// start and every archive.retention_interval, is what sends the requests.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/ceph/ceph_bucket.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;

std::string config(const TempDir& dir, const CephGateway& gateway, const std::string& bucket) {
  CommandResult keys = run_wasl({"keys", "generate", "--file", dir.file("keys.json")});
  EXPECT_EQ(keys.exit_code, 0) << keys.err;
  return "security:\n  key_file: " + dir.file("keys.json") +
         "\n"
         "workflows_dir: " +
         std::string(WASL_SOURCE_DIR) +
         "/workflows\n"
         "server:\n  host: 127.0.0.1\n  port: 0\n"
         "storage:\n  backend: sqlite\n  sqlite:\n    path: " +
         dir.file("var/wasl.db") +
         "\n"
         "archive:\n"
         "  root: " +
         dir.file("var/recordings") +
         "\n"
         "  store: ceph\n"
         "  retention_interval: 1s\n"
         "  stores:\n"
         "    ceph:\n"
         "      endpoint: " +
         gateway.endpoint +
         "\n"
         "      region: " +
         gateway.region +
         "\n"
         "      bucket: " +
         bucket +
         "\n"
         "      prefix: recordings/\n"
         "      access_key_id: " +
         gateway.access_key +
         "\n"
         "      secret_access_key: " +
         gateway.secret_key + "\n";
}

// /readyz's archive_store once `accept` takes it, or the last one seen after 30 s.
nlohmann::json wait_for_store(int port, const std::function<bool(const nlohmann::json&)>& accept) {
  nlohmann::json store;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    HttpAnswer ready = http_get(port, "/readyz");
    auto body = nlohmann::json::parse(ready.body, nullptr, false);
    if (!body.is_discarded() && body.contains("checks")) {
      store = body["checks"]["archive_store"];
      if (accept(store)) return store;
    }
    std::this_thread::sleep_for(100ms);  // polling a condition with a deadline
  }
  return store;
}

TEST(ArchiveStoreHealth, ReadyzAndMetricsFollowTheActiveS3Store) {
  const CephGateway gateway = CephGateway::from_fixture(WASL_BINARY_DIR);
  const std::string bucket = "wasl-health-" + crypto::to_hex(crypto::random_bytes(6).value());
  make_bucket(gateway, bucket);
  TempDir dir;
  dir.write("wasl.yaml", config(dir, gateway, bucket));
  HubProcess hub(dir.file("wasl.yaml"));
  auto port = hub.wait_until_listening(30s);
  ASSERT_TRUE(port) << hub.log();

  nlohmann::json up =
      wait_for_store(*port, [](const nlohmann::json& s) { return s.value("state", "") == "up"; });
  EXPECT_EQ(up["active"], "ceph") << up.dump();
  EXPECT_EQ(up["kind"], "s3");
  EXPECT_EQ(up["state"], "up");
  EXPECT_FALSE(up.contains("last_error"));
  EXPECT_EQ(up["stores"]["local"], nlohmann::json::parse(R"({"kind": "local"})"));
  HttpAnswer ready = http_get(*port, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  HttpAnswer metrics = http_get(*port, "/metrics");
  EXPECT_NE(metrics.body.find("wasl_object_store_up{store=\"ceph\"} 1"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("wasl_object_store_request_seconds_count{operation="
                              "\"list_multipart_uploads\",store=\"ceph\"}"),
            std::string::npos);

  ASSERT_EQ(gateway.stop_gateway(), 0);
  nlohmann::json down =
      wait_for_store(*port, [](const nlohmann::json& s) { return s.value("state", "") == "down"; });
  const nlohmann::json after_down = down;
  ASSERT_EQ(gateway.start_gateway(), 0);
  EXPECT_EQ(after_down["state"], "down") << after_down.dump();
  EXPECT_EQ(after_down.value("last_error", ""), "list_multipart_uploads: no answer (unavailable)");
  EXPECT_TRUE(after_down.contains("last_error_at"));

  nlohmann::json again =
      wait_for_store(*port, [](const nlohmann::json& s) { return s.value("state", "") == "up"; });
  EXPECT_EQ(again["state"], "up") << again.dump();
  EXPECT_EQ(again.value("last_error", ""), "list_multipart_uploads: no answer (unavailable)");
  metrics = http_get(*port, "/metrics");
  EXPECT_NE(metrics.body.find("wasl_object_store_requests_total{operation="
                              "\"list_multipart_uploads\",outcome=\"unavailable\",store=\"ceph\"}"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("wasl_object_store_up{store=\"ceph\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace wasl::testing
