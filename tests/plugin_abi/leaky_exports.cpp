// A library built without wasl_add_plugin(): no version script, and one C++
// function with default visibility, so it exports C++ symbols as a plugin
// without the version script would. The export check must refuse it.
#include <string>
#include <vector>

#include "wasl/sdk/abi.h"

__attribute__((visibility("default"))) std::vector<std::string> leaked_names(
    const std::string& name) {
  return {name, name + "!"};
}

WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) { return WASL_ABI_VERSION; }
