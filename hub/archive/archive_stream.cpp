#include "hub/archive/archive_stream.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "hub/crypto/incremental_sha256.hpp"
#include "hub/crypto/stream_cipher.hpp"

namespace wasl::archive {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

// Output buffers are aligned to this and sized in multiples of it, so a store
// that writes direct (LocalObjectStore) can take them as they are.
constexpr std::size_t kBufferAlignment = 4096;

struct FreeDeleter {
  void operator()(char* p) const { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<char, FreeDeleter>;

AlignedBuffer aligned_buffer(std::size_t size) {
  std::size_t rounded = (size + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
  return AlignedBuffer(static_cast<char*>(std::aligned_alloc(kBufferAlignment, rounded)));
}

}  // namespace

struct ArchiveStream::Pipeline {
  struct Block {
    std::unique_ptr<char[]> data;
    std::size_t size = 0;
    int readers = 0;  // stages still to read it
  };

  Pipeline(ArchiveStreamOptions o, std::unique_ptr<object_store::ObjectWriter> f,
           crypto::IncrementalSha256 d)
      : options(o), file(std::move(f)), digest(std::move(d)) {}

  ~Pipeline() {
    stop();
    stop_writer();
    if (!committed) file->abort();
  }

  // ---- shared state (under mutex) ----
  // Each stage sleeps on its own condition, so a hand-over wakes only the
  // stage it concerns; a failure wakes them all.
  void fail(const Error& error) {
    std::lock_guard lock(mutex);
    if (!failed) failed = error;
    block_freed.notify_all();
    digest_queued.notify_all();
    cipher_queued.notify_all();
    buffer_freed.notify_all();
    write_queued.notify_all();
  }

  void release(int index) {
    std::lock_guard lock(mutex);
    if (--blocks[static_cast<std::size_t>(index)].readers == 0) {
      free_blocks.push_back(index);
      block_freed.notify_one();
    }
  }

  // Waits for the next block of `queue`; nullopt when the stream ended or failed.
  std::optional<int> next(std::deque<int>& queue, std::condition_variable& queued) {
    std::unique_lock lock(mutex);
    queued.wait(lock, [&] { return failed || !queue.empty() || ended; });
    if (failed || queue.empty()) return std::nullopt;
    int index = queue.front();
    queue.pop_front();
    return index;
  }

  void submit(int index) {
    std::lock_guard lock(mutex);
    blocks[static_cast<std::size_t>(index)].readers = 2;
    to_digest.push_back(index);
    to_cipher.push_back(index);
    digest_queued.notify_one();
    cipher_queued.notify_one();
  }

  // ---- stages ----
  void digest_loop() {
    while (auto index = next(to_digest, digest_queued)) {
      const Block& b = blocks[static_cast<std::size_t>(*index)];
      Status s = digest.update(std::string_view(b.data.get(), b.size));
      release(*index);
      if (!s.ok()) return fail(s.error());
    }
  }

  void cipher_loop() {
    while (auto index = next(to_cipher, cipher_queued)) {
      const Block& b = blocks[static_cast<std::size_t>(*index)];
      Status s = encryptor->write(std::string_view(b.data.get(), b.size));
      release(*index);
      if (!s.ok()) return fail(s.error());
    }
  }

  // Takes a free output buffer as the one being filled; false when the
  // stream failed.
  bool take_output_buffer() {
    std::unique_lock lock(mutex);
    buffer_freed.wait(lock, [&] { return failed || !free_out.empty(); });
    if (failed) return false;
    out_current = free_out.front();
    free_out.pop_front();
    out_size[static_cast<std::size_t>(out_current)] = 0;
    return true;
  }

  // The encryptor's output space: the free end of the buffer being filled
  // when the segment fits there, so it is sealed in place; null otherwise
  // (it is then sealed into the encryptor's buffer and copied across two
  // output buffers by take_sealed).
  unsigned char* output_space(std::size_t size) {
    if (out_current < 0 && !take_output_buffer()) return nullptr;
    std::size_t used = out_size[static_cast<std::size_t>(out_current)];
    if (options.write_size - used < size) return nullptr;
    return reinterpret_cast<unsigned char*>(out[static_cast<std::size_t>(out_current)].get() +
                                            used);
  }

  // The encryptor's sink: sealed bytes into write_size output buffers, each
  // handed to the writer thread when full (aligned and sized for direct I/O).
  // Bytes sealed in place (output_space) only move the buffer's end.
  Status take_sealed(std::string_view sealed) {
    if (out_current >= 0) {
      std::size_t& size = out_size[static_cast<std::size_t>(out_current)];
      if (sealed.data() == out[static_cast<std::size_t>(out_current)].get() + size) {
        size += sealed.size();
        if (size == options.write_size) hand_to_writer();
        return {};
      }
    }
    while (!sealed.empty()) {
      if (out_current < 0 && !take_output_buffer()) {
        std::lock_guard lock(mutex);
        return *failed;
      }
      std::size_t& size = out_size[static_cast<std::size_t>(out_current)];
      std::size_t n = std::min(sealed.size(), options.write_size - size);
      std::memcpy(out[static_cast<std::size_t>(out_current)].get() + size, sealed.data(), n);
      size += n;
      sealed.remove_prefix(n);
      if (size == options.write_size) hand_to_writer();
    }
    return {};
  }

  void hand_to_writer() {
    std::lock_guard lock(mutex);
    to_write.push_back(out_current);
    out_current = -1;
    write_queued.notify_one();
  }

  void writer_loop() {
    while (true) {
      int index = -1;
      {
        std::unique_lock lock(mutex);
        write_queued.wait(lock, [&] { return failed || !to_write.empty() || writes_ended; });
        if (failed || to_write.empty()) return;
        index = to_write.front();
        to_write.pop_front();
      }
      Status s = file->write(std::string_view(out[static_cast<std::size_t>(index)].get(),
                                              out_size[static_cast<std::size_t>(index)]));
      written += out_size[static_cast<std::size_t>(index)];
      if (!s.ok()) return fail(s.error());
      std::lock_guard lock(mutex);
      free_out.push_back(index);
      buffer_freed.notify_one();
    }
  }

  // Ends the digest and cipher stages (they drain their queues first).
  void stop() {
    {
      std::lock_guard lock(mutex);
      ended = true;
      digest_queued.notify_all();
      cipher_queued.notify_all();
    }
    if (digest_thread.joinable()) digest_thread.join();
    if (cipher_thread.joinable()) cipher_thread.join();
  }

  // Ends the writer (after it wrote what it was handed).
  void stop_writer() {
    {
      std::lock_guard lock(mutex);
      writes_ended = true;
      write_queued.notify_all();
    }
    if (writer_thread.joinable()) writer_thread.join();
  }

  ArchiveStreamOptions options;
  std::unique_ptr<object_store::ObjectWriter> file;
  std::uint64_t written = 0;  // ciphertext bytes the writer thread handed on
  bool committed = false;
  crypto::IncrementalSha256 digest;
  std::optional<crypto::StreamEncryptor> encryptor;

  std::vector<Block> blocks;
  std::vector<AlignedBuffer> out;  // write_size each
  std::vector<std::size_t> out_size;
  int out_current = -1;  // the buffer the encryptor fills; -1 = none

  std::mutex mutex;
  std::condition_variable block_freed;    // the caller waits for a free block
  std::condition_variable digest_queued;  // the digest stage waits for a block
  std::condition_variable cipher_queued;  // the cipher stage waits for a block
  std::condition_variable buffer_freed;   // the cipher stage waits for an output buffer
  std::condition_variable write_queued;   // the writer waits for a full buffer
  std::deque<int> free_blocks;
  std::deque<int> to_digest;
  std::deque<int> to_cipher;
  std::deque<int> free_out;
  std::deque<int> to_write;
  bool ended = false;
  bool writes_ended = false;
  std::optional<Error> failed;

  // The caller's block being filled; -1 = none.
  int current = -1;
  std::uint64_t plaintext = 0;
  bool finished = false;

  std::thread digest_thread;
  std::thread cipher_thread;
  std::thread writer_thread;
};

Result<std::unique_ptr<ArchiveStream>> ArchiveStream::open(
    const crypto::Keyring& keyring, std::unique_ptr<object_store::ObjectWriter> object,
    ArchiveStreamOptions options, std::string_view binding) {
  if (!object) {
    return Error(ErrorCode::kInvalidArgument, "the archive stream needs an object to write");
  }
  options.block_size = std::max<std::size_t>(options.block_size, 4096);
  options.blocks = std::max(options.blocks, 2);
  options.write_buffers = std::max(options.write_buffers, 2);
  options.write_size = std::max<std::size_t>(
      options.write_size / kBufferAlignment * kBufferAlignment, kBufferAlignment);
  auto digest = crypto::IncrementalSha256::create();
  if (!digest.ok()) {
    object->abort();
    return digest.error();
  }
  auto p = std::make_unique<Pipeline>(options, std::move(object), std::move(digest).value());
  for (int i = 0; i < options.write_buffers; ++i) {
    p->out.push_back(aligned_buffer(options.write_size));
    if (!p->out.back()) {
      return Error(ErrorCode::kResourceExhausted, "no memory for the archive buffers");
    }
    p->out_size.push_back(0);
    p->free_out.push_back(i);
  }
  p->blocks.resize(static_cast<std::size_t>(options.blocks));
  for (std::size_t i = 0; i < p->blocks.size(); ++i) {
    p->blocks[i].data = std::make_unique_for_overwrite<char[]>(options.block_size);
    p->free_blocks.push_back(static_cast<int>(i));
  }
  Pipeline* raw = p.get();
  WASL_ASSIGN_OR_RETURN(
      crypto::StreamEncryptor encryptor,
      crypto::StreamEncryptor::create(
          keyring, [raw](std::string_view sealed) { return raw->take_sealed(sealed); }, binding));
  p->encryptor.emplace(std::move(encryptor));
  p->encryptor->set_output_space([raw](std::size_t size) { return raw->output_space(size); });
  p->digest_thread = std::thread([raw] { raw->digest_loop(); });
  p->cipher_thread = std::thread([raw] { raw->cipher_loop(); });
  p->writer_thread = std::thread([raw] { raw->writer_loop(); });
  return std::unique_ptr<ArchiveStream>(new ArchiveStream(std::move(p)));
}

ArchiveStream::ArchiveStream(std::unique_ptr<Pipeline> pipeline) : pipeline_(std::move(pipeline)) {}

ArchiveStream::~ArchiveStream() = default;

std::uint64_t ArchiveStream::plaintext_bytes() const { return pipeline_->plaintext; }

Status ArchiveStream::write(std::string_view chunk) {
  Pipeline& p = *pipeline_;
  if (p.finished) {
    return Error(ErrorCode::kFailedPrecondition, "the archive stream is already finished", false);
  }
  while (!chunk.empty()) {
    if (p.current < 0) {
      std::unique_lock lock(p.mutex);
      p.block_freed.wait(lock, [&p] { return p.failed || !p.free_blocks.empty(); });
      if (p.failed) return *p.failed;
      p.current = p.free_blocks.front();
      p.free_blocks.pop_front();
      p.blocks[static_cast<std::size_t>(p.current)].size = 0;
    }
    Pipeline::Block& b = p.blocks[static_cast<std::size_t>(p.current)];
    std::size_t n = std::min(chunk.size(), p.options.block_size - b.size);
    std::memcpy(b.data.get() + b.size, chunk.data(), n);
    b.size += n;
    p.plaintext += n;
    chunk.remove_prefix(n);
    if (b.size == p.options.block_size) {
      p.submit(p.current);
      p.current = -1;
    }
  }
  std::lock_guard lock(p.mutex);
  if (p.failed) return *p.failed;
  return {};
}

Result<ArchivedStream> ArchiveStream::finish() {
  Pipeline& p = *pipeline_;
  if (p.finished) {
    return Error(ErrorCode::kFailedPrecondition, "the archive stream is already finished", false);
  }
  p.finished = true;
  if (p.current >= 0) {
    if (p.blocks[static_cast<std::size_t>(p.current)].size > 0) {
      p.submit(p.current);
    } else {
      std::lock_guard lock(p.mutex);
      p.free_blocks.push_back(p.current);
    }
    p.current = -1;
  }
  p.stop();  // the digest and cipher stages drain their queues, then end
  Status sealed = p.failed ? Status(*p.failed) : p.encryptor->finish();
  if (sealed.ok() && p.out_current >= 0) p.hand_to_writer();  // the tail
  p.stop_writer();
  if (!sealed.ok()) return sealed.error();
  if (p.failed) return *p.failed;
  ArchivedStream done;
  done.plaintext_bytes = p.plaintext;
  done.key_id = p.encryptor->key_id();
  WASL_ASSIGN_OR_RETURN(done.sha256_hex, p.digest.finish_hex());
  if (p.encryptor->ciphertext_size() != p.written) {
    return Error(ErrorCode::kInternal,
                 "the archive stream sealed " + std::to_string(p.encryptor->ciphertext_size()) +
                     " bytes but handed " + std::to_string(p.written) + " to the store",
                 false);
  }
  WASL_ASSIGN_OR_RETURN(done.object, p.file->commit());
  p.committed = true;
  done.file_bytes = done.object.size;
  return done;
}

}  // namespace wasl::archive
