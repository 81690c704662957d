#include "hub/mllp/mllp_framer.hpp"

#include <algorithm>

namespace wasl::mllp {

MllpFramer::MllpFramer(std::size_t max_message_bytes, std::size_t truncated_keep_bytes)
    : max_message_bytes_(max_message_bytes),
      truncated_keep_bytes_(std::min(truncated_keep_bytes, max_message_bytes)) {}

std::size_t MllpFramer::feed(std::string_view bytes) {
  std::size_t i = 0;
  // Appends `part` to the message; false (and kOversize) when it does not fit.
  auto append = [this](std::string_view part) {
    if (part.size() > max_message_bytes_ - message_.size()) {
      if (message_.size() < truncated_keep_bytes_) {
        message_.append(part.substr(0, truncated_keep_bytes_ - message_.size()));
      }
      message_.resize(truncated_keep_bytes_);
      state_ = State::kOversize;
      return false;
    }
    message_.append(part);
    return true;
  };
  if (state_ == State::kComplete || state_ == State::kOversize) return 0;
  while (i < bytes.size()) {
    const char c = bytes[i];
    if (state_ == State::kIdle) {
      if (skipping_oversize_) {
        if (end_block_pending_ && c == kCarriageReturn) {
          skipping_oversize_ = false;
          end_block_pending_ = false;
        } else {
          end_block_pending_ = c == kEndBlock;
        }
      } else if (c == kStartBlock) {
        state_ = State::kInMessage;
        message_.clear();
        end_block_pending_ = false;
      }
      ++i;
      continue;
    }
    // kInMessage
    if (end_block_pending_) {
      end_block_pending_ = false;
      if (c == kCarriageReturn) {
        state_ = State::kComplete;
        return i + 1;
      }
      // The 0x1C was the message's own byte; `c` is read again below.
      if (!append(std::string_view(&kEndBlock, 1))) return i;
      continue;
    }
    if (c == kEndBlock) {
      end_block_pending_ = true;
      ++i;
      continue;
    }
    std::size_t end = bytes.find(kEndBlock, i);
    if (end == std::string_view::npos) end = bytes.size();
    if (!append(bytes.substr(i, end - i))) return end;
    i = end;
  }
  return i;
}

std::string MllpFramer::take() {
  if (state_ != State::kComplete && state_ != State::kOversize) return {};
  if (state_ == State::kOversize) skipping_oversize_ = true;
  state_ = State::kIdle;
  end_block_pending_ = false;
  std::string message = std::move(message_);
  message_.clear();
  return message;
}

}  // namespace wasl::mllp
