/* A plugin built for ABI 2.0: the loader must refuse it before registering. */
#include "wasl/sdk/abi.h"

WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) { return (2u << 16) | 0u; }

WASL_PLUGIN_EXPORT int wasl_plugin_register(const wasl_host_api* host,
                                            wasl_plugin_registration* out) {
  (void)host;
  (void)out;
  return WASL_ERROR; /* never reached: the handshake refuses first */
}
