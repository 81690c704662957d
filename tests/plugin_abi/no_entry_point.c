/* A plugin that passes the handshake but exports no registration entry point. */
#include "wasl/sdk/abi.h"

WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) { return WASL_ABI_VERSION; }
