/* A ReportSink built for plugin ABI 1.0, before wasl_host_api gained
 * client_certificate: it declares the 1.0 table itself and reports version
 * 1.0, as a plugin compiled against the 1.0 headers does. A 1.1 hub must load
 * it and serve it through the fields it knows.
 * reporting.submit_report answers {"receipt_id": "v10-<host clock>",
 * "status": "accepted", "message": "<the host table's struct_size>"}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasl/sdk/abi.h"

/* wasl_host_api exactly as ABI 1.0 declared it. */
typedef struct host_api_1_0 {
  size_t struct_size;
  void* ctx;
  int (*http_request)(void* ctx, const char* request_json, char** response_json);
  int (*http_request_streaming)(void* ctx, const char* request_json, wasl_chunk_fn on_chunk,
                                void* chunk_ctx, char** response_json);
  int (*secret)(void* ctx, const char* name, char** value);
  void (*log)(void* ctx, int level, const char* message);
  int64_t (*now_unix_ms)(void* ctx);
  int (*state_get)(void* ctx, const char* key, char** value_json);
  int (*state_put)(void* ctx, const char* key, const char* value_json, char** error_json);
  void (*free_string)(void* ctx, char* s);
  const char* settings_json;
  const char* instance_name;
} host_api_1_0;

struct wasl_instance {
  const host_api_1_0* host;
};

static char* copy_string(const char* s) {
  size_t n = strlen(s);
  char* out = (char*)malloc(n + 1);
  if (out != NULL) memcpy(out, s, n + 1);
  return out;
}

static void free_string(char* s) { free(s); }

static int create_instance(const wasl_host_api* host, wasl_instance** out, char** error_json) {
  *error_json = NULL;
  *out = (wasl_instance*)malloc(sizeof(wasl_instance));
  if (*out == NULL) return WASL_ERROR;
  (*out)->host = (const host_api_1_0*)host;
  return WASL_OK;
}

static void destroy_instance(wasl_instance* instance) { free(instance); }

static int call(wasl_instance* instance, const char* method, const char* request_json,
                char** response_json) {
  const host_api_1_0* host = instance->host;
  char out[256];
  (void)request_json;
  if (strcmp(method, "reporting.submit_report") != 0 || host->struct_size < sizeof(host_api_1_0)) {
    *response_json = copy_string("{\"code\":\"unimplemented\",\"message\":\"no such method\"}");
    return WASL_ERROR;
  }
  snprintf(out, sizeof out,
           "{\"receipt_id\":\"v10-%lld\",\"status\":\"accepted\",\"message\":\"%zu\"}",
           (long long)host->now_unix_ms(host->ctx), host->struct_size);
  *response_json = copy_string(out);
  return WASL_OK;
}

WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) { return (uint32_t)((1u << 16) | 0u); }

WASL_PLUGIN_EXPORT int wasl_plugin_register(const wasl_host_api* host,
                                            wasl_plugin_registration* out) {
  wasl_plugin_registration filled;
  (void)host;
  memset(&filled, 0, sizeof filled);
  filled.struct_size = out->struct_size < sizeof filled ? out->struct_size : sizeof filled;
  filled.info_json =
      "{\"name\":\"abi_1_0\",\"version\":\"0.1.0\",\"sdk_version\":\"1.0\","
      "\"capabilities\":[\"reporting\"],\"description\":\"Built for plugin ABI 1.0.\"}";
  filled.create_instance = &create_instance;
  filled.destroy_instance = &destroy_instance;
  filled.call = &call;
  filled.free_string = &free_string;
  memcpy(out, &filled, filled.struct_size);
  return WASL_OK;
}
