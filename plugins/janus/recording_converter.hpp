// RecordingConverter: one room's Janus recording into one playable WebM.
//
// Janus's VideoRoom writes one .mjr file per stream per publisher into the
// room's folder, named <base>-audio[-<mindex>].mjr / <base>-video[-<mindex>].mjr
// where <base> = videoroom-<room>-user-<feed>-<start µs> (data channels end
// -data and are left out). The conversion, run through Host::run_process
// (no shell, a time limit over the whole conversion):
//   1. janus-pp-rec turns each audio stream into <n>.opus and each video
//      stream into <n>.webm (VP8) in the work folder;
//   2. ffmpeg makes ONE WebM (VP8/Opus): every audio track delayed to when
//      its publisher started (from <start µs>) and mixed (amix); every video
//      track shifted the same way, scaled into a 640×480 tile (letterboxed),
//      at 15 fps, and the tiles laid out in a grid (xstack: 1 tile alone,
//      2 side by side, 3–4 in 2×2, 5–9 in 3×3, at most 9 video tracks);
//      a tile shows black before its publisher started and its last frame
//      after it stopped.
// The result is written under a temporary name and renamed, so a file with
// the final name is always complete. A tool that fails is a clear error
// naming the file and the tool's last message, never a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::janus {

struct MjrStream {
  std::string file;           // the .mjr file name, in the room's folder
  std::string kind;           // "audio" or "video"
  std::string publisher;      // <base>: one publishing session
  std::int64_t start_us = 0;  // when that publisher started (0 = unknown)
};

// The audio and video .mjr files among `names` (file names, no folders),
// sorted by start, then name. Others (data channels, non-.mjr files) are
// left out.
std::vector<MjrStream> mjr_streams(const std::vector<std::string>& names);

// A converted stream, for the mix.
struct MixInput {
  std::string file;            // relative to the work folder
  std::string kind;            // "audio" or "video"
  std::int64_t offset_ms = 0;  // delay from the room's first publisher
};

// ffmpeg's arguments (after the program) mixing `inputs` into `output`
// (WebM, VP8/Opus). At least one input; video beyond 9 tracks is left out.
std::vector<std::string> ffmpeg_mix_arguments(const std::vector<MixInput>& inputs,
                                              const std::string& output);

struct Conversion {
  std::int64_t size_bytes = 0;
  std::int64_t duration_seconds = 0;  // from ffmpeg's last progress line; 0 if unknown
  int audio_tracks = 0;
  int video_tracks = 0;
};

class RecordingConverter {
 public:
  RecordingConverter(wasl::sdk::Host& host, std::string janus_pp_rec, std::string ffmpeg);

  // Converts the .mjr files of `room_folder` into `output` (an absolute path
  // in `work_folder`, which is created). Errors: kNotFound (no audio or
  // video .mjr file), kFailedPrecondition, not retryable (a tool failed on
  // this input: the message names the file and the tool's last words),
  // kDeadlineExceeded, retryable (the time limit passed, the tools were
  // killed), and the host's errors (retryable cancellation, missing tool).
  wasl::sdk::Result<Conversion> convert(const std::string& room_folder,
                                        const std::string& work_folder, const std::string& output,
                                        std::chrono::milliseconds time_limit);

 private:
  wasl::sdk::Host& host_;
  const std::string janus_pp_rec_;
  const std::string ffmpeg_;
};

}  // namespace wasl::plugins::janus
