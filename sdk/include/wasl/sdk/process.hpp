// process.hpp: running a program on the hub's machine (Host::run_process, SDK
// 1.9, hub ABI 1.9 or later), e.g. a media converter.
//
// The host runs only what the instance's settings name: the executable must
// be an absolute path equal to the value of a setting whose schema carries
// `"x-executable": true` (schema defaults count). It is started directly from
// the argument vector (fork and execve; no shell, so `;`, `$(…)` or `*` in an
// argument are bytes like any other), with exactly the environment given (the
// hub's own is not inherited), in the given working directory, with stdin on
// /dev/null, in a process group of its own. The whole group is killed
// (SIGKILL) when the time limit passes, when the plugin call it runs in is
// cancelled or runs out of time (the hub stopping, a step timeout), and when
// the instance is destroyed; the program itself is killed when the hub dies
// (PR_SET_PDEATHSIG, so a hub killed with kill -9 leaves no converter
// running). Of each of stdout and stderr the host keeps the LAST
// max_output_bytes (where a converter writes its error) and says when it
// dropped the rest.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

struct ProcessRequest {
  std::string executable;              // absolute; named by an x-executable setting
  std::vector<std::string> arguments;  // argv[1…]; argv[0] is the executable
  // The child's whole environment (NAME, value); names are non-empty, without '='.
  std::vector<std::pair<std::string, std::string>> environment;
  std::string working_directory;             // absolute, must exist
  std::chrono::milliseconds timeout{60000};  // wall clock, at least 1 ms
  std::size_t max_output_bytes = 64 * 1024;  // kept per stream; the host caps it at 1 MiB
};

struct ProcessResult {
  bool exited = false;  // ended by exit(); exit_code is valid
  int exit_code = -1;
  int signal = 0;           // the signal that ended it, when it did not exit
  bool timed_out = false;   // the time limit passed and the group was killed
  std::string stdout_data;  // the last max_output_bytes bytes
  std::string stderr_data;
  bool stdout_truncated = false;  // earlier bytes were dropped
  bool stderr_truncated = false;
  std::int64_t elapsed_ms = 0;

  bool succeeded() const { return exited && exit_code == 0 && !timed_out; }
};

namespace process_wire_detail {
inline void put_bytes(nlohmann::json& j, const char* name, const std::string& bytes) {
  try {
    (void)nlohmann::json(bytes).dump();  // throws on invalid UTF-8
    j[name] = bytes;
  } catch (const nlohmann::json::exception&) {
    j[std::string(name) + "_base64"] = base64_encode(bytes);
  }
}
inline Result<std::string> get_bytes(const nlohmann::json& j, const char* name) {
  if (auto it = j.find(std::string(name) + "_base64"); it != j.end() && it->is_string()) {
    auto decoded = base64_decode(it->get_ref<const std::string&>());
    if (!decoded)
      return Error(ErrorCode::kInvalidArgument, std::string(name) + "_base64 is not base64");
    return *decoded;
  }
  if (auto it = j.find(name); it != j.end() && it->is_string()) return it->get<std::string>();
  return std::string();
}
}  // namespace process_wire_detail

// The JSON forms that cross the ABI (wasl_host_api.run_process).
inline nlohmann::json process_request_to_json(const ProcessRequest& r) {
  nlohmann::json env = nlohmann::json::array();
  for (const auto& [k, v] : r.environment) env.push_back({k, v});
  return {{"executable", r.executable},      {"arguments", r.arguments},
          {"environment", std::move(env)},   {"working_directory", r.working_directory},
          {"timeout_ms", r.timeout.count()}, {"max_output_bytes", r.max_output_bytes}};
}

inline Result<ProcessRequest> process_request_from_json(const nlohmann::json& j) {
  auto bad = [](const std::string& what) {
    return Error(ErrorCode::kInvalidArgument, "a process request " + what, false);
  };
  if (!j.is_object()) return bad("must be a JSON object");
  ProcessRequest r;
  auto exe = j.find("executable");
  if (exe == j.end() || !exe->is_string()) return bad("needs a string \"executable\"");
  r.executable = exe->get<std::string>();
  if (auto it = j.find("arguments"); it != j.end()) {
    if (!it->is_array()) return bad("has \"arguments\" that is not an array");
    for (const auto& a : *it) {
      if (!a.is_string()) return bad("has an argument that is not a string");
      r.arguments.push_back(a.get<std::string>());
    }
  }
  if (auto it = j.find("environment"); it != j.end()) {
    if (!it->is_array()) return bad("has \"environment\" that is not an array");
    for (const auto& e : *it) {
      if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_string()) {
        return bad("has an environment entry that is not [name, value]");
      }
      r.environment.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
    }
  }
  if (auto it = j.find("working_directory"); it != j.end() && it->is_string()) {
    r.working_directory = it->get<std::string>();
  }
  if (auto it = j.find("timeout_ms"); it != j.end()) {
    if (!it->is_number_integer()) return bad("has \"timeout_ms\" that is not an integer");
    r.timeout = std::chrono::milliseconds(it->get<std::int64_t>());
  }
  if (auto it = j.find("max_output_bytes"); it != j.end()) {
    if (!it->is_number_unsigned()) return bad("has \"max_output_bytes\" that is not a count");
    r.max_output_bytes = it->get<std::size_t>();
  }
  return r;
}

inline nlohmann::json process_result_to_json(const ProcessResult& r) {
  nlohmann::json j = {{"exited", r.exited},
                      {"exit_code", r.exit_code},
                      {"signal", r.signal},
                      {"timed_out", r.timed_out},
                      {"stdout_truncated", r.stdout_truncated},
                      {"stderr_truncated", r.stderr_truncated},
                      {"elapsed_ms", r.elapsed_ms}};
  process_wire_detail::put_bytes(j, "stdout", r.stdout_data);
  process_wire_detail::put_bytes(j, "stderr", r.stderr_data);
  return j;
}

inline Result<ProcessResult> process_result_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("exited") || !j["exited"].is_boolean()) {
    return Error(ErrorCode::kInternal,
                 "the host described a finished process in a form this plugin cannot read");
  }
  ProcessResult r;
  r.exited = j["exited"].get<bool>();
  r.exit_code = j.value("exit_code", -1);
  r.signal = j.value("signal", 0);
  r.timed_out = j.value("timed_out", false);
  r.stdout_truncated = j.value("stdout_truncated", false);
  r.stderr_truncated = j.value("stderr_truncated", false);
  r.elapsed_ms = j.value("elapsed_ms", std::int64_t{0});
  WASL_ASSIGN_OR_RETURN(r.stdout_data, process_wire_detail::get_bytes(j, "stdout"));
  WASL_ASSIGN_OR_RETURN(r.stderr_data, process_wire_detail::get_bytes(j, "stderr"));
  return r;
}

}  // namespace wasl::sdk
