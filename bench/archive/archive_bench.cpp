// Archive throughput: streams N bytes from an in-process source (a 1 MiB
// random block, repeated, handed over in provider-sized chunks, as a video
// plugin's fetch_media hands them) through the hub's ArchiveStream — the
// pipeline RecordingArchive::archive runs: plaintext SHA-256 and the
// AES-256-GCM stream encryption on threads of their own, into an object of
// the local object store (aligned direct writes, one fsync, rename,
// directory fsync) — or, with --s3, into an object of the S3 store
// (S3ObjectStore: multipart upload, 8 MiB parts, 4 in flight, SHA-256 per
// part) on the gateway named by the environment:
//   WASL_BENCH_S3_ENDPOINT, WASL_BENCH_S3_BUCKET, WASL_BENCH_S3_ACCESS_KEY,
//   WASL_BENCH_S3_SECRET_KEY (and WASL_BENCH_S3_REGION, default us-east-1);
// the credentials stay out of the command line. DIR then only holds the keys.
//
// usage: wasl_bench_archive [--s3] DIR [BYTES] [CHUNK]
//   prints one line: "archive <bytes> <seconds> <bytes_per_second> <rss_growth_kib>
//   <cpu_seconds>" where rss_growth_kib is the peak resident set during the
//   run minus the resident set before it, and cpu_seconds the process's user
//   and system CPU over the same span (every thread's).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "bench/common/process_cpu.hpp"
#include "hub/archive/archive_stream.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/crypto/random.hpp"
#include "hub/object_store/local_object_store.hpp"
#include "hub/object_store/s3_object_store.hpp"

namespace {

using namespace wasl;

int fail(const std::string& what, const sdk::Error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.message.c_str());
  return 1;
}

std::int64_t status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoll(line.substr(prefix.size()));
  }
  return -1;
}

std::string env(const char* name, const char* fallback = "") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

// The S3 store of the WASL_BENCH_S3_* variables, with the configuration's
// defaults (part size, parts in flight) and its checksum setting
// (WASL_BENCH_S3_CHECKSUM: sha256, the default, or md5).
sdk::Result<std::unique_ptr<object_store::ObjectStore>> s3_store() {
  object_store::S3StoreOptions options;
  options.name = "bench";
  options.endpoint.base_url = env("WASL_BENCH_S3_ENDPOINT");
  options.endpoint.region = env("WASL_BENCH_S3_REGION", "us-east-1");
  options.endpoint.credentials.access_key_id = env("WASL_BENCH_S3_ACCESS_KEY");
  options.endpoint.credentials.secret_access_key = env("WASL_BENCH_S3_SECRET_KEY");
  options.bucket = env("WASL_BENCH_S3_BUCKET");
  const std::string checksum = env("WASL_BENCH_S3_CHECKSUM", "sha256");
  if (checksum != "sha256" && checksum != "md5") {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "WASL_BENCH_S3_CHECKSUM must be sha256 or md5, not '" + checksum + "'");
  }
  options.checksum = checksum == "md5" ? sdk::aws::S3Checksum::kMd5 : sdk::aws::S3Checksum::kSha256;
  auto store = object_store::S3ObjectStore::create(std::move(options));
  if (!store.ok()) return store.error();
  return std::unique_ptr<object_store::ObjectStore>(std::move(store).value());
}

}  // namespace

int main(int argc, char** argv) {
  const bool s3 = argc > 1 && std::string_view(argv[1]) == "--s3";
  if (s3) {
    --argc;
    ++argv;
  }
  if (argc < 2) {
    std::fprintf(stderr, "usage: wasl_bench_archive [--s3] DIR [BYTES] [CHUNK]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  const std::uint64_t total = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : (1ull << 30);
  const std::size_t chunk = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 65536;
  const std::filesystem::path keys = dir / "bench-keys.json";
  std::error_code ec;
  std::filesystem::remove(keys, ec);
  if (auto made = crypto::generate_key_file(keys); !made.ok()) return fail("keys", made.error());
  auto keyring = crypto::load_keyring(keys);
  if (!keyring.ok()) return fail("keys", keyring.error());
  auto block = crypto::random_bytes(1 << 20);
  if (!block.ok()) return fail("random", block.error());

  // The peak resident set from here on (writing 5 to clear_refs resets it).
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const std::int64_t rss_before = status_kib("VmRSS");
  std::unique_ptr<object_store::ObjectStore> objects;
  if (s3) {
    auto store = s3_store();
    if (!store.ok()) return fail("s3 store", store.error());
    objects = std::move(store).value();
  } else {
    objects = std::make_unique<object_store::LocalObjectStore>(dir);
  }
  const std::filesystem::path target = dir / "archive.wse";
  const double cpu_before = bench::process_cpu_seconds();
  const auto started = std::chrono::steady_clock::now();
  auto object = objects->create("archive.wse");
  if (!object.ok()) return fail("create", object.error());
  auto stream = archive::ArchiveStream::open(**keyring, std::move(object).value());
  if (!stream.ok()) return fail("open", stream.error());
  std::uint64_t sent = 0;
  std::size_t at = 0;
  while (sent < total) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, total - sent));
    if (at + n > block->size()) at = 0;
    if (auto s = (*stream)->write(std::string_view(block->data() + at, n)); !s.ok()) {
      return fail("write", s.error());
    }
    sent += n;
    at += n;
  }
  auto done = (*stream)->finish();
  if (!done.ok()) return fail("finish", done.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double cpu = bench::process_cpu_seconds() - cpu_before;
  const std::int64_t rss_peak = status_kib("VmHWM");
  stream->reset();
  std::printf("archive %llu %.3f %.0f %lld %.3f\n", static_cast<unsigned long long>(total), seconds,
              static_cast<double>(total) / seconds, static_cast<long long>(rss_peak - rss_before),
              cpu);
  if (s3) {
    if (auto removed = objects->remove("archive.wse"); !removed.ok()) {
      return fail("remove", removed.error());
    }
  } else {
    std::filesystem::remove(target, ec);
  }
  std::filesystem::remove(keys, ec);
  return 0;
}
