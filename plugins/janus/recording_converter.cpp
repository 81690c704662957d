#include "plugins/janus/recording_converter.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <regex>
#include <system_error>

namespace wasl::plugins::janus {
namespace {

using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;

constexpr int kTileWidth = 640;
constexpr int kTileHeight = 480;
constexpr std::size_t kMaxVideoTiles = 9;
constexpr std::size_t kToolOutputBytes = 16 * 1024;

// The last non-empty lines of a tool's output, at most ~400 characters, for
// an error message.
std::string last_words(const wasl::sdk::ProcessResult& run) {
  std::string text = run.stderr_data.empty() ? run.stdout_data : run.stderr_data;
  // janus-pp-rec logs to stdout and marks its errors; start at the last one.
  if (auto error = text.rfind("[ERR]"); error != std::string::npos) text.erase(0, error);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() > 400) text = "…" + text.substr(text.size() - 400);
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';  // colour codes and the like
  }
  return text.empty() ? std::string("(no output)") : text;
}

std::string ended(const wasl::sdk::ProcessResult& run) {
  if (run.exited) return "exited with " + std::to_string(run.exit_code);
  return "was ended by signal " + std::to_string(run.signal);
}

std::string seconds_text(std::int64_t ms) {
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) +
         std::to_string(ms % 100 / 10) + std::to_string(ms % 10);
}

// The last "time=HH:MM:SS.cc" of ffmpeg's progress, in whole seconds (0 if none).
std::int64_t progress_seconds(const std::string& text) {
  auto at = text.rfind("time=");
  if (at == std::string::npos) return 0;
  int h = 0;
  int m = 0;
  double s = 0;
  if (std::sscanf(text.c_str() + at + 5, "%d:%d:%lf", &h, &m, &s) != 3) return 0;
  return static_cast<std::int64_t>(h) * 3600 + m * 60 + static_cast<std::int64_t>(s + 0.5);
}

}  // namespace

std::vector<MjrStream> mjr_streams(const std::vector<std::string>& names) {
  // <base>-audio.mjr, <base>-video-1.mjr; <base> may end -<start µs>.
  static const std::regex kName(R"(^(.+)-(audio|video)(-[0-9]+)?\.mjr$)");
  static const std::regex kStart(R"(-([0-9]{10,19})$)");
  std::vector<MjrStream> out;
  for (const auto& name : names) {
    std::smatch match;
    if (name.find('/') != std::string::npos || !std::regex_match(name, match, kName)) continue;
    MjrStream stream;
    stream.file = name;
    stream.publisher = match[1].str();
    stream.kind = match[2].str();
    std::smatch start;
    if (std::regex_search(stream.publisher, start, kStart)) {
      const std::string digits = start[1].str();
      std::from_chars(digits.data(), digits.data() + digits.size(), stream.start_us);
    }
    out.push_back(std::move(stream));
  }
  std::sort(out.begin(), out.end(), [](const MjrStream& a, const MjrStream& b) {
    return a.start_us != b.start_us ? a.start_us < b.start_us : a.file < b.file;
  });
  return out;
}

std::vector<std::string> ffmpeg_mix_arguments(const std::vector<MixInput>& inputs,
                                              const std::string& output) {
  std::vector<std::string> args = {"-hide_banner", "-nostdin", "-y", "-loglevel", "info"};
  for (const auto& input : inputs) {
    args.push_back("-i");
    args.push_back(input.file);
  }
  std::string graph;
  std::vector<std::string> video;
  std::vector<std::string> audio;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const MixInput& input = inputs[i];
    const std::string in =
        "[" + std::to_string(i) + ":" + (input.kind == "video" ? "v" : "a") + "]";
    if (input.kind == "video") {
      if (video.size() == kMaxVideoTiles) continue;
      const std::string label = "[v" + std::to_string(video.size()) + "]";
      graph += in + "setpts=PTS-STARTPTS,fps=15,scale=" + std::to_string(kTileWidth) + ":" +
               std::to_string(kTileHeight) +
               ":force_original_aspect_ratio=decrease,pad=" + std::to_string(kTileWidth) + ":" +
               std::to_string(kTileHeight) + ":(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p" +
               (input.offset_ms > 0
                    ? ",tpad=start_duration=" + seconds_text(input.offset_ms) + ":color=black"
                    : std::string()) +
               label + ";";
      video.push_back(label);
    } else {
      const std::string label = "[a" + std::to_string(audio.size()) + "]";
      graph += in + "aresample=48000,asetpts=PTS-STARTPTS" +
               (input.offset_ms > 0 ? ",adelay=" + std::to_string(input.offset_ms) + ":all=1"
                                    : std::string()) +
               label + ";";
      audio.push_back(label);
    }
  }
  if (video.size() == 1) {
    graph += video[0] + "null[v];";
  } else if (video.size() > 1) {
    const std::size_t columns = video.size() == 2 ? 2 : video.size() <= 4 ? 2 : 3;
    std::string layout;
    for (std::size_t i = 0; i < video.size(); ++i) {
      if (!layout.empty()) layout += "|";
      layout += std::to_string(i % columns * kTileWidth) + "_" +
                std::to_string(i / columns * kTileHeight);
    }
    for (const auto& label : video) graph += label;
    graph +=
        "xstack=inputs=" + std::to_string(video.size()) + ":layout=" + layout + ":fill=black[v];";
  }
  if (audio.size() == 1) {
    graph += audio[0] + "anull[a];";
  } else if (audio.size() > 1) {
    for (const auto& label : audio) graph += label;
    graph += "amix=inputs=" + std::to_string(audio.size()) +
             ":duration=longest:dropout_transition=0:normalize=0[a];";
  }
  if (!graph.empty()) graph.pop_back();
  args.push_back("-filter_complex");
  args.push_back(graph);
  if (!video.empty()) {
    for (const char* a : {"-map", "[v]", "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used",
                          "8", "-b:v", "1M", "-g", "60"}) {
      args.emplace_back(a);
    }
  }
  if (!audio.empty()) {
    for (const char* a : {"-map", "[a]", "-c:a", "libopus", "-b:a", "64k"}) args.emplace_back(a);
  }
  args.push_back("-f");
  args.push_back("webm");
  args.push_back(output);
  return args;
}

RecordingConverter::RecordingConverter(wasl::sdk::Host& host, std::string janus_pp_rec,
                                       std::string ffmpeg)
    : host_(host), janus_pp_rec_(std::move(janus_pp_rec)), ffmpeg_(std::move(ffmpeg)) {}

Result<Conversion> RecordingConverter::convert(const std::string& room_folder,
                                               const std::string& work_folder,
                                               const std::string& output,
                                               std::chrono::milliseconds time_limit) {
  namespace fs = std::filesystem;
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + time_limit;
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator it(room_folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) names.push_back(it->path().filename().string());
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return Error(ErrorCode::kUnavailable,
                 "the recording folder " + room_folder + " cannot be read: " + ec.message(), true);
  }
  std::vector<MjrStream> streams = mjr_streams(names);
  if (streams.empty()) {
    return Error(ErrorCode::kNotFound,
                 "the recording folder " + room_folder + " holds no audio or video .mjr file",
                 false);
  }
  fs::create_directories(work_folder, ec);
  if (ec) {
    return Error(ErrorCode::kUnavailable,
                 "the folder " + work_folder + " cannot be made: " + ec.message(), true);
  }

  auto time_left = [&]() -> Result<std::chrono::milliseconds> {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 1) {
      return Error(ErrorCode::kDeadlineExceeded,
                   "the recording of " + room_folder + " was not converted within " +
                       std::to_string(time_limit.count() / 1000) + " s",
                   true);
    }
    return left;
  };
  auto run = [&](const std::string& program, std::vector<std::string> arguments,
                 const std::string& what) -> Result<wasl::sdk::ProcessResult> {
    wasl::sdk::ProcessRequest request;
    request.executable = program;
    request.arguments = std::move(arguments);
    request.working_directory = work_folder;
    request.max_output_bytes = kToolOutputBytes;
    WASL_ASSIGN_OR_RETURN(request.timeout, time_left());
    WASL_ASSIGN_OR_RETURN(wasl::sdk::ProcessResult result, host_.run_process(request));
    if (result.timed_out) {
      return Error(ErrorCode::kDeadlineExceeded,
                   what + " did not finish within the conversion time limit (" +
                       std::to_string(time_limit.count() / 1000) + " s); it was killed",
                   true);
    }
    if (!result.succeeded()) {
      return Error(ErrorCode::kFailedPrecondition,
                   what + " failed: " + fs::path(program).filename().string() + " " +
                       ended(result) + ": " + last_words(result),
                   false);
    }
    return result;
  };

  std::int64_t first_start = 0;
  for (const auto& s : streams) {
    if (s.start_us > 0 && (first_start == 0 || s.start_us < first_start)) first_start = s.start_us;
  }
  std::vector<MixInput> inputs;
  Conversion conversion;
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const MjrStream& stream = streams[i];
    const std::string converted = std::to_string(i) + (stream.kind == "audio" ? ".opus" : ".webm");
    const std::string what = "converting " + stream.file;
    WASL_ASSIGN_OR_RETURN(
        auto result, run(janus_pp_rec_,
                         {"-o", (fs::path(room_folder) / stream.file).string(), converted}, what));
    (void)result;
    const auto size = fs::file_size(fs::path(work_folder) / converted, ec);
    if (ec || size == 0) {
      return Error(ErrorCode::kFailedPrecondition,
                   what +
                       " failed: janus-pp-rec wrote no media (the file may be truncated or "
                       "hold no packets)",
                   false);
    }
    MixInput input;
    input.file = converted;
    input.kind = stream.kind;
    input.offset_ms =
        stream.start_us > 0 && first_start > 0 ? (stream.start_us - first_start) / 1000 : 0;
    (stream.kind == "audio" ? conversion.audio_tracks : conversion.video_tracks) += 1;
    inputs.push_back(std::move(input));
  }

  const std::string partial = output + ".part";
  WASL_ASSIGN_OR_RETURN(auto mixed, run(ffmpeg_, ffmpeg_mix_arguments(inputs, partial),
                                        "mixing the recording of " + room_folder));
  fs::rename(partial, output, ec);
  if (ec) {
    return Error(ErrorCode::kUnavailable,
                 "the mixed recording could not be moved to " + output + ": " + ec.message(), true);
  }
  conversion.size_bytes = static_cast<std::int64_t>(fs::file_size(output, ec));
  conversion.duration_seconds = progress_seconds(mixed.stderr_data);
  // The intermediate tracks are not needed once the mix exists.
  for (const auto& input : inputs) fs::remove(fs::path(work_folder) / input.file, ec);
  return conversion;
}

}  // namespace wasl::plugins::janus
