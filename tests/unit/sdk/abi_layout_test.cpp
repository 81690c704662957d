// sdk/README.md tells vendors the size of each ABI struct; these are the
// compiler's. A change to abi.h's structs changes both.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "wasl/sdk/abi.h"

namespace wasl::sdk {
namespace {

// The last cell of the README's table row for `name` ("| `name` | … | N |").
std::string readme_size_of(const std::string& name) {
  std::ifstream in(std::string(WASL_SOURCE_DIR) + "/sdk/README.md");
  const std::string row = "| `" + name + "` |";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(row, 0) != 0) continue;
    auto end = line.find_last_not_of(" |");
    auto start = line.find_last_of('|', end);
    return line.substr(start + 1, end - start);
  }
  return "(no row for " + name + ")";
}

TEST(AbiLayout, TheReadmeStatesEachStructsSize) {
  if (sizeof(void*) != 8) GTEST_SKIP() << "the README's sizes are for x86-64 Linux";
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(' '));
    return s;
  };
  EXPECT_EQ(trim(readme_size_of("wasl_host_api")), std::to_string(sizeof(wasl_host_api)))
      << "update the struct table of sdk/README.md";
  EXPECT_EQ(trim(readme_size_of("wasl_plugin_registration")),
            std::to_string(sizeof(wasl_plugin_registration)))
      << "update the struct table of sdk/README.md";
}

TEST(AbiLayout, EveryStructStartsWithItsSize) {
  EXPECT_EQ(offsetof(wasl_host_api, struct_size), 0u);
  EXPECT_EQ(offsetof(wasl_plugin_registration, struct_size), 0u);
}

}  // namespace
}  // namespace wasl::sdk
