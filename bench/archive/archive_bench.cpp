// Archive throughput: streams N bytes from an in-process generator (a 1 MiB
// random block, repeated, handed over in provider-sized chunks) through the
// archive's pipeline — plaintext SHA-256 (IncrementalSha256), StreamEncryptor
// under a fresh key, DurableFileWriter (temporary file, fsync, rename, fsync
// directory) — exactly what RecordingArchive::archive does per chunk.
//
// usage: wasl_bench_archive DIR [BYTES] [CHUNK]
//   prints one line: "archive <bytes> <seconds> <bytes_per_second>",
//   one for the same without SHA-256 ("encrypt_to_file …"), and one for
//   SHA-256 + encryption into a discarding sink ("digest_encrypt …"), so
//   the cost of the disk and of the digest can be told apart.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "hub/archive/durable_file_writer.hpp"
#include "hub/crypto/incremental_sha256.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/crypto/random.hpp"
#include "hub/crypto/stream_cipher.hpp"

namespace {

using namespace wasl;

int fail(const std::string& what, const sdk::Error& e) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), e.message.c_str());
  return 1;
}

int run(const char* label, const crypto::Keyring& keyring, const std::filesystem::path& dir,
        std::uint64_t total, std::size_t chunk, bool digest, bool to_file) {
  auto block = crypto::random_bytes(1 << 20);
  if (!block.ok()) return fail("random", block.error());
  const auto started = std::chrono::steady_clock::now();
  auto file = archive::DurableFileWriter::create(dir / (std::string(label) + ".wse"));
  if (!file.ok()) return fail("file", file.error());
  auto sha = crypto::IncrementalSha256::create();
  if (!sha.ok()) return fail("sha", sha.error());
  std::uint64_t discarded = 0;
  auto enc = crypto::StreamEncryptor::create(keyring, [&](std::string_view sealed) {
    if (!to_file) {
      discarded += sealed.size();
      return sdk::ok_status();
    }
    return file->write(sealed);
  });
  if (!enc.ok()) return fail("encryptor", enc.error());
  std::uint64_t sent = 0;
  std::size_t at = 0;
  while (sent < total) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, total - sent));
    if (at + n > block->size()) at = 0;
    std::string_view piece(block->data() + at, n);
    if (digest) {
      if (auto s = sha->update(piece); !s.ok()) return fail("sha", s.error());
    }
    if (auto s = enc->write(piece); !s.ok()) return fail("encrypt", s.error());
    sent += n;
    at += n;
  }
  if (auto s = enc->finish(); !s.ok()) return fail("finish", s.error());
  if (digest) {
    if (auto h = sha->finish_hex(); !h.ok()) return fail("sha", h.error());
  }
  if (to_file) {
    if (auto s = file->commit(); !s.ok()) return fail("commit", s.error());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s %llu %.3f %.0f\n", label, static_cast<unsigned long long>(total), seconds,
              static_cast<double>(total) / seconds);
  std::error_code ec;
  std::filesystem::remove(dir / (std::string(label) + ".wse"), ec);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DIR [BYTES] [CHUNK]\n", argv[0]);
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
  int rc = run("archive", **keyring, dir, total, chunk, true, true);
  if (rc == 0) rc = run("encrypt_to_file", **keyring, dir, total, chunk, false, true);
  if (rc == 0) rc = run("digest_encrypt", **keyring, dir, total, chunk, true, false);
  std::filesystem::remove(keys, ec);
  return rc;
}
