// A plugin whose registration function throws: the glue must catch it and the
// loader must refuse the file.
#include <stdexcept>

#include "wasl/sdk/plugin.hpp"

namespace {
wasl::sdk::Status register_throws(wasl::sdk::PluginDefinition&) {
  throw std::logic_error("registration exploded");
}
}  // namespace

WASL_PLUGIN(register_throws)
