// media_relay.hpp: MediaRelay passes a streamed download (Host::http_streaming)
// on to the plugin's ChunkSink while holding back its first bytes until the
// answer's status is known, so a provider's error document (a 403 page, an
// S3 <Error>) never reaches the sink as if it were media.
//
//   MediaRelay relay(sink, 8192);
//   auto answer = host.http_streaming(request, relay.chunk_sink());
//   if (relay.sink_error()) return *relay.sink_error();     // the sink refused: as it said
//   if (!answer.ok()) …                                     // relay.forwarded() bytes arrived
//   if (answer->status >= 300) {
//     if (relay.forwarded() > 0) …                          // too large for an error document
//     answer->body = relay.take_held();                     // the error document, for mapping
//   } else {
//     WASL_RETURN_IF_ERROR(relay.finish());                 // hands over what is held
//   }
//
// Memory: at most hold_back bytes plus one chunk. Not thread-safe; one relay
// per download attempt, outliving the streaming call it serves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

class MediaRelay {
 public:
  // `sink` is borrowed and must outlive the relay. `hold_back`: how many
  // bytes are held before anything is forwarded; larger than the provider's
  // largest error document.
  MediaRelay(const ChunkSink& sink, std::size_t hold_back) : sink_(sink), hold_back_(hold_back) {}

  MediaRelay(const MediaRelay&) = delete;
  MediaRelay& operator=(const MediaRelay&) = delete;

  // The ChunkSink to give Host::http_streaming; it borrows this relay. Once
  // more than hold_back bytes arrived it forwards them, then every chunk as
  // it comes. A chunk the sink refuses aborts the stream with the sink's
  // error (also kept in sink_error()).
  ChunkSink chunk_sink() {
    return [this](std::string_view chunk) { return relay(chunk); };
  }

  // The sink's error when it refused a chunk: the download's outcome, to be
  // returned as it is (not retried as a transfer failure).
  const std::optional<Error>& sink_error() const { return sink_error_; }

  // Bytes the sink accepted.
  std::int64_t forwarded() const { return forwarded_; }

  // Whether bytes are still held (nothing forwarded yet).
  bool holding() const { return holding_; }

  // For an error answer: the held bytes (the error document), leaving none.
  std::string take_held() {
    std::string out;
    out.swap(held_);
    return out;
  }

  // For a successful answer: hands the held bytes to the sink (an answer
  // shorter than hold_back is forwarded only here). Errors: the sink's.
  Status finish() {
    if (!holding_) return {};
    holding_ = false;
    if (held_.empty()) return {};
    std::string rest = take_held();
    Status status = sink_(rest);
    if (!status.ok()) {
      sink_error_ = status.error();
      return status;
    }
    forwarded_ += static_cast<std::int64_t>(rest.size());
    return {};
  }

 private:
  Status relay(std::string_view chunk) {
    if (holding_) {
      held_.append(chunk);
      if (held_.size() <= hold_back_) return {};
      holding_ = false;
      chunk = held_;
    }
    Status status = sink_(chunk);
    if (!status.ok()) {
      sink_error_ = status.error();
      return status;
    }
    forwarded_ += static_cast<std::int64_t>(chunk.size());
    if (!held_.empty()) std::string().swap(held_);
    return {};
  }

  const ChunkSink& sink_;
  const std::size_t hold_back_;
  std::string held_;
  bool holding_ = true;
  std::int64_t forwarded_ = 0;
  std::optional<Error> sink_error_;
};

}  // namespace wasl::sdk
