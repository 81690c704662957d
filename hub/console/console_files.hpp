// The browser's static files, compiled into the binary by
// hub/console/CMakeLists.txt: the console's (hub/console/static/) and the
// join page's (hub/console/join/).
#pragma once

#include <string_view>
#include <vector>

namespace wasl::console {

struct ConsoleFile {
  std::string_view name;  // e.g. "app.js", no directory
  std::string_view body;
};

const std::vector<ConsoleFile>& embedded_console_files();
const std::vector<ConsoleFile>& embedded_join_files();

}  // namespace wasl::console
