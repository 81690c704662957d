// ArchiveFixture: a migrated database on one backend (RecordsDatabaseTest:
// key file, CellCipher, facilities kFacilityA and kFacilityB), an AuditWriter,
// the pattern_video test double loaded through the real PluginHost as
// instance "video.pattern" (bound to both facilities), and a
// RecordingArchive writing to a local object store under a scratch directory
// with a fixed clock.
#pragma once

#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/archive/archive_action.hpp"
#include "hub/archive/recording_archive.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/object_store/local_object_store.hpp"
#include "hub/object_store/object_stores.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::archive::testing {

using records::testing::kFacilityA;
using records::testing::kFacilityB;

// 2026-01-01T00:00:00Z.
inline constexpr std::int64_t kT0 = 1'767'225'600'000;
inline constexpr std::int64_t kDayMs = 86'400'000;

// The byte the pattern_video double streams at offset i (same function).
inline unsigned char pattern_byte(std::uint64_t i) {
  std::uint64_t x = i * 0x9E3779B97F4A7C15ull;
  return static_cast<unsigned char>((x >> 56) ^ (i >> 16));
}

inline std::string pattern(std::uint64_t offset, std::uint64_t length) {
  std::string out(length, '\0');
  for (std::uint64_t k = 0; k < length; ++k) out[k] = static_cast<char>(pattern_byte(offset + k));
  return out;
}

// SHA-256 (lowercase hex) of the first `size` pattern bytes, computed
// independently of the archive's own digest code.
inline std::string pattern_sha256_hex(std::uint64_t size) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  constexpr std::uint64_t kBlock = 1 << 20;
  for (std::uint64_t at = 0; at < size; at += kBlock) {
    std::string block = pattern(at, std::min(kBlock, size - at));
    EVP_DigestUpdate(ctx, block.data(), block.size());
  }
  unsigned char digest[32];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, digest, &n);
  EVP_MD_CTX_free(ctx);
  return sdk::to_hex(std::string_view(reinterpret_cast<const char*>(digest), n));
}

// Peak resident set size of this process, in KiB (/proc/self/status VmHWM).
inline std::int64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// Resets the peak to the current RSS (writing "5" to /proc/self/clear_refs).
inline bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

inline std::int64_t count_lines(const std::filesystem::path& path, const std::string& line) {
  std::int64_t n = 0;
  for (const auto& l : read_lines(path)) n += l == line ? 1 : 0;
  return n;
}

class ArchiveFixture : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    calls_file_ = scratch_.path() / "calls.txt";
    load_plugins();
    if (HasFatalFailure()) return;
    use_archive_root(scratch_.path() / "recordings");
  }

  // The local object store (and the archive writing to it) at `root`.
  void use_archive_root(const std::filesystem::path& root) {
    archive_.reset();
    root_ = root;
    objects_ = std::make_unique<object_store::ObjectStores>(
        std::make_unique<object_store::LocalObjectStore>(root_));
    RecordingArchiveOptions options;
    options.clock = [this] { return clock(); };
    archive_ = std::make_unique<RecordingArchive>(
        *store_, *audit_, *objects_, [this] { return cipher_->keyring(); }, options);
  }

  void TearDown() override {
    archive_.reset();
    plugins_.reset();
    RecordsDatabaseTest::TearDown();
  }

  // Loads pattern_video as "video.pattern" with `extra` settings merged in.
  void load_plugins(nlohmann::json extra = nlohmann::json::object()) {
    plugins_.reset();
    config_ = config::Config();
    config_.server.public_url = "https://wasl.hospital-a.example/";
    config_.plugins.files.push_back(
        {"pattern_video", std::string(WASL_ARCHIVE_DOUBLES_DIR) + "/libwasl_pattern_video.so", "",
         0});
    config::InstanceConfig instance;
    instance.name = "video.pattern";
    instance.plugin = "pattern_video";
    instance.settings = {{"calls_file", calls_file_.string()}};
    for (auto& [k, v] : extra.items()) instance.settings[k] = v;
    config_.instances[instance.name] = instance;
    for (const char* id : {kFacilityA, kFacilityB}) {
      config::FacilityConfig facility;
      facility.id = id;
      facility.bindings = {{"video", "video.pattern"}};
      config_.facilities[id] = facility;
    }
    auto host = plugin_host::PluginHost::load(config_, metrics_);
    ASSERT_TRUE(host.ok()) << host.error().message;
    plugins_ = std::move(host).value();
    auto video = plugins_->video("video.pattern");
    ASSERT_TRUE(video.ok()) << video.error().message;
    video_ = *video;
  }

  std::chrono::system_clock::time_point clock() const {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms_));
  }

  void add_consultation(const std::string& facility, const std::string& id) {
    records::ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_OK(consultations.insert(*tx, sample_consultation(facility, id)));
    ASSERT_OK(tx->commit());
  }

  ArchiveRequest request(const std::string& facility, const std::string& consultation,
                         const std::string& media) {
    ArchiveRequest r;
    r.facility_id = facility;
    r.consultation_id = consultation;
    r.media_id = media;
    r.video_instance = "video.pattern";
    return r;
  }

  std::int64_t audit_count(const std::string& action, const std::string& entity) {
    return scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1 AND entity_id = $2",
                  {action, entity});
  }

  // Regular files under the archive root (temporary ones included).
  std::vector<std::filesystem::path> archive_files() {
    std::vector<std::filesystem::path> out;
    std::error_code ec;
    if (!std::filesystem::exists(root_, ec)) return out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root_)) {
      if (e.is_regular_file()) out.push_back(e.path());
    }
    return out;
  }

  std::int64_t now_ms_ = kT0;
  observability::Metrics metrics_;
  config::Config config_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  std::shared_ptr<sdk::VideoProvider> video_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::unique_ptr<object_store::ObjectStores> objects_;  // the local store at root_
  std::unique_ptr<RecordingArchive> archive_;
  std::filesystem::path root_;
  std::filesystem::path calls_file_;
};

}  // namespace wasl::archive::testing
