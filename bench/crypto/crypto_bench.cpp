// Throughput of the encryption core: field encryption of small records and
// streaming encryption/decryption of a 64 MiB recording. Keys are fresh
// random for each run; nothing is written to disk.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "hub/crypto/cell_aead.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/crypto/random.hpp"
#include "hub/crypto/stream_cipher.hpp"

namespace {

using namespace wasl;

std::shared_ptr<const crypto::Keyring> bench_keyring() {
  static std::shared_ptr<const crypto::Keyring> ring = [] {
    auto key = [] { return crypto::to_hex(crypto::random_bytes(32).value()); };
    std::string text = R"({"format":"wasl-keyring","version":1,"active_key_id":"k1-bench",)"
                       R"("data_keys":[{"id":"k1-bench","created_at":"2026-01-01T00:00:00Z",)"
                       R"("state":"active","key":")" +
                       key() + R"("}],"blind_index_key":")" + key() + R"(","audit_key":")" + key() +
                       R"("})";
    auto parsed = crypto::Keyring::from_json(text);
    if (!parsed.ok()) {
      std::cerr << parsed.error().message << "\n";
      std::abort();
    }
    return *parsed;
  }();
  return ring;
}

void BM_FieldEncrypt(benchmark::State& state) {
  crypto::CellAead cipher(bench_keyring());
  std::string plaintext(static_cast<std::size_t>(state.range(0)), 'p');
  const crypto::CellLocation where{"consultations", "clinical_notes", "0192f0c4-7b7e-7c43"};
  for (auto _ : state) {
    auto ct = cipher.encrypt(where, plaintext);
    if (!ct.ok()) state.SkipWithError(ct.error().message.c_str());
    benchmark::DoNotOptimize(ct);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_FieldEncrypt)->Arg(256)->Arg(4096);

void BM_FieldDecrypt(benchmark::State& state) {
  crypto::CellAead cipher(bench_keyring());
  std::string plaintext(static_cast<std::size_t>(state.range(0)), 'p');
  const crypto::CellLocation where{"consultations", "clinical_notes", "0192f0c4-7b7e-7c43"};
  std::string ct = cipher.encrypt(where, plaintext).value();
  for (auto _ : state) {
    auto pt = cipher.decrypt(where, ct);
    if (!pt.ok()) state.SkipWithError(pt.error().message.c_str());
    benchmark::DoNotOptimize(pt);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_FieldDecrypt)->Arg(256)->Arg(4096);

constexpr std::size_t kStreamSize = 64u << 20;
constexpr std::size_t kWriteChunk = 1u << 20;

const std::string& stream_plaintext() {
  static const std::string pt = [] {
    std::string s(kStreamSize, '\0');
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>(i * 131 + (i >> 12));
    return s;
  }();
  return pt;
}

void BM_StreamEncrypt(benchmark::State& state) {
  const std::string& pt = stream_plaintext();
  auto ring = bench_keyring();
  for (auto _ : state) {
    std::uint64_t out = 0;
    auto enc = crypto::StreamEncryptor::create(*ring, [&out](std::string_view b) {
      out += b.size();
      return sdk::ok_status();
    });
    if (!enc.ok()) state.SkipWithError(enc.error().message.c_str());
    for (std::size_t i = 0; i < pt.size(); i += kWriteChunk) {
      if (!enc->write(std::string_view(pt).substr(i, kWriteChunk)).ok()) {
        state.SkipWithError("stream write failed");
      }
    }
    if (!enc->finish().ok()) state.SkipWithError("stream finish failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kStreamSize);
}
BENCHMARK(BM_StreamEncrypt)->Unit(benchmark::kMillisecond)->MinTime(1.0);

void BM_StreamDecrypt(benchmark::State& state) {
  auto ring = bench_keyring();
  std::string ct;
  ct.reserve(kStreamSize + kStreamSize / 1000);
  {
    auto enc = crypto::StreamEncryptor::create(*ring, [&ct](std::string_view b) {
                 ct.append(b);
                 return sdk::ok_status();
               }).value();
    if (!enc.write(stream_plaintext()).ok() || !enc.finish().ok()) {
      state.SkipWithError("could not prepare the ciphertext");
      return;
    }
  }
  for (auto _ : state) {
    std::uint64_t out = 0;
    auto dec = crypto::StreamDecryptor::create(
        ring,
        [&out](std::string_view b) {
          out += b.size();
          return sdk::ok_status();
        },
        kStreamSize);
    for (std::size_t i = 0; i < ct.size(); i += kWriteChunk) {
      if (!dec->write(std::string_view(ct).substr(i, kWriteChunk)).ok()) {
        state.SkipWithError("stream write failed");
      }
    }
    if (!dec->finish().ok()) state.SkipWithError("stream finish failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kStreamSize);
}
BENCHMARK(BM_StreamDecrypt)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
