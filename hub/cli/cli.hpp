// The `wasl` command line: `wasl <command> [options]`. Exit codes: 0 ok,
// 1 a failure the user can fix (the message says how), 2 usage.
#pragma once

namespace wasl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

int run(int argc, char** argv);

}  // namespace wasl::cli
