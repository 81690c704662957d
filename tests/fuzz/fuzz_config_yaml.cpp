// The hub configuration as `wasl check` and `wasl serve` load it. Secret
// substitution is left out (it reads the environment and files).
#include <cstddef>
#include <cstdint>
#include <string>

#include "hub/config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find("${") != std::string::npos) return 0;
  (void)wasl::config::load_text(text, "fuzz.yaml", "/nonexistent");
  return 0;
}
