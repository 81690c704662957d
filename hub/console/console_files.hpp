// The console's static files (hub/console/static/), compiled into the
// binary by hub/console/CMakeLists.txt.
#pragma once

#include <string_view>
#include <vector>

namespace wasl::console {

struct ConsoleFile {
  std::string_view name;  // e.g. "app.js", no directory
  std::string_view body;
};

const std::vector<ConsoleFile>& embedded_console_files();

}  // namespace wasl::console
