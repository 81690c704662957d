// RecordingContent: a recording's plaintext byte range, read from the object
// store that holds it for GET /v1/recordings/{id}/content.
//
// One small read of the object's header, then ONE streamed read of the
// ciphertext span that covers the range (crypto::StreamRangeDecryptor), on a
// thread of its own: the HTTP handler waits only until the range's first
// segment has authenticated (wait_ready()), so a damaged object, another
// recording's, or a store that does not answer is refused before any header
// goes out; the response body then takes the rest through a bounded queue
// (about 1 MiB of plaintext: the read waits while the client is slow), in
// constant memory whatever the size.
//
// Thread-safe as used: the handler thread, then the body's thread, drive it;
// the reading thread is its own. Destroying it stops the read (the store
// call ends at its next chunk) and joins the thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "hub/crypto/keyring.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/object_store/object_store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::api {

class RecordingContent {
 public:
  struct Source {
    object_store::ObjectStore* store = nullptr;
    std::string key;
    std::shared_ptr<const crypto::Keyring> keyring;
    std::uint64_t plaintext_size = 0;  // recordings.size_bytes
    std::string binding;               // domain::recording_stream_binding
  };

  // Reads the header and starts reading plaintext [offset, offset + length).
  // Never null.
  static std::shared_ptr<RecordingContent> start(Source source, std::uint64_t offset,
                                                 std::uint64_t length);
  ~RecordingContent();
  RecordingContent(const RecordingContent&) = delete;
  RecordingContent& operator=(const RecordingContent&) = delete;

  // Waits until the range's first bytes are authenticated (or the range is
  // empty): ok means the answer may begin. Otherwise the error, and
  // damaged() tells whether it is the object's bytes (damaged, cut, not this
  // recording's, its key unknown) rather than the store (unavailable, not
  // found).
  sdk::Status wait_ready();
  bool damaged() const { return damaged_; }

  // Writes the range to `out` as it is decrypted. A failure of the read
  // throws std::runtime_error, so the server drops the connection rather
  // than end a body that looks complete; a client that goes away stops the
  // read quietly.
  void write_to(std::ostream& out);

 private:
  RecordingContent() = default;
  void run();
  sdk::Status push(std::string_view plaintext);
  void end(const sdk::Status& status);

  Source source_;
  std::optional<crypto::StreamRangeDecryptor> decryptor_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  bool ended_ = false;      // the reading thread is done
  bool cancelled_ = false;  // the consumer is gone
  std::optional<sdk::Error> error_;
  bool damaged_ = false;
  std::thread reader_;
};

}  // namespace wasl::api
