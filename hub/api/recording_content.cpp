#include "hub/api/recording_content.hpp"

#include <ostream>
#include <stdexcept>
#include <string>

namespace wasl::api {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Status;

namespace {

// Plaintext the reading thread may hold ahead of the client.
constexpr std::size_t kQueueBytes = 1 << 20;

}  // namespace

std::shared_ptr<RecordingContent> RecordingContent::start(Source source, std::uint64_t offset,
                                                          std::uint64_t length) {
  std::shared_ptr<RecordingContent> content(new RecordingContent());
  content->source_ = std::move(source);
  const Source& s = content->source_;
  auto fail = [&content](const Error& error, bool damaged) {
    content->error_ = error;
    content->damaged_ = damaged;
    content->ended_ = true;
    return content;
  };
  // The header: one small read from the object's start.
  std::string header;
  Status read = s.store->read(s.key, 0, crypto::kStreamMaxHeaderSize,
                              [&header](std::string_view chunk) -> Status {
                                header.append(chunk);
                                return {};
                              });
  if (!read.ok()) {
    // An object shorter than its offset 0 cannot be; anything else is the store's.
    return fail(read.error(), false);
  }
  RecordingContent* raw = content.get();
  auto decryptor = crypto::StreamRangeDecryptor::create(
      *s.keyring, header, s.plaintext_size, offset, length,
      [raw](std::string_view plaintext) { return raw->push(plaintext); }, s.binding);
  if (!decryptor.ok()) return fail(decryptor.error(), true);
  content->decryptor_.emplace(std::move(decryptor).value());
  if (content->decryptor_->ciphertext_length() == 0) {
    content->ended_ = true;
    return content;
  }
  content->reader_ = std::thread([raw] { raw->run(); });
  return content;
}

RecordingContent::~RecordingContent() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  changed_.notify_all();
  if (reader_.joinable()) reader_.join();
}

void RecordingContent::run() {
  crypto::StreamRangeDecryptor& d = *decryptor_;
  bool decrypt_failed = false;
  Status read = source_.store->read(source_.key, d.ciphertext_offset(), d.ciphertext_length(),
                                    [&d, &decrypt_failed](std::string_view chunk) -> Status {
                                      Status s = d.write(chunk);
                                      if (!s.ok() && s.error().code != ErrorCode::kCancelled)
                                        decrypt_failed = true;
                                      return s;
                                    });
  if (read.ok()) {
    read = d.finish();
    decrypt_failed = !read.ok();
  } else if (!decrypt_failed && read.error().code == ErrorCode::kInvalidArgument) {
    // The store found the span starting past the object's end: cut short.
    decrypt_failed = true;
    read = Error(ErrorCode::kInvalidArgument,
                 "recording stream is truncated: the object ends before byte " +
                     std::to_string(d.ciphertext_offset()) + ": " + read.error().message);
  }
  {
    std::lock_guard lock(mutex_);
    damaged_ = decrypt_failed;
  }
  end(read);
}

Status RecordingContent::push(std::string_view plaintext) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return cancelled_ || queued_bytes_ < kQueueBytes; });
  if (cancelled_) return Error(ErrorCode::kCancelled, "the recording's reader went away", false);
  queue_.emplace_back(plaintext);
  queued_bytes_ += plaintext.size();
  changed_.notify_all();
  return {};
}

void RecordingContent::end(const Status& status) {
  std::lock_guard lock(mutex_);
  if (!status.ok() && !error_) error_ = status.error();
  ended_ = true;
  changed_.notify_all();
}

Status RecordingContent::wait_ready() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return ended_ || !queue_.empty(); });
  if (!queue_.empty()) return {};
  if (error_) return *error_;
  return {};
}

void RecordingContent::write_to(std::ostream& out) {
  while (true) {
    std::string chunk;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return ended_ || !queue_.empty(); });
      if (queue_.empty()) {
        if (error_) {
          throw std::runtime_error("the recording could not be read to the end: " +
                                   error_->message);
        }
        return;
      }
      chunk = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= chunk.size();
    }
    changed_.notify_all();
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (!out) {
      std::lock_guard lock(mutex_);
      cancelled_ = true;
      changed_.notify_all();
      return;
    }
  }
}

}  // namespace wasl::api
