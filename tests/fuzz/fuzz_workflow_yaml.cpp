// Workflow files as PUT /v1/workflows and `wasl workflow validate` read
// them: the alias budget, the YAML parser, the definition parser and the
// validator.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/workflow/language/workflow_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)wasl::workflow::parse_workflow(text, "fuzz.yaml");
  return 0;
}
