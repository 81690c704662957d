/* A ReportSink written in plain C99 against abi.h alone: no C++ SDK, no JSON
 * library. It proves the boundary needs no C++ on the plugin's side.
 * reporting.submit_report answers {"receipt_id": "c-<idempotency_key>",
 * "status": "accepted", "received_at_ms": <host clock>, "raw": <settings>}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasl/sdk/abi.h"

struct wasl_instance {
  const wasl_host_api* host;
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
  if (*out == NULL) {
    *error_json = copy_string("{\"code\":\"resource_exhausted\",\"message\":\"out of memory\"}");
    return WASL_ERROR;
  }
  (*out)->host = host;
  return WASL_OK;
}

static void destroy_instance(wasl_instance* instance) { free(instance); }

/* Copies the string value of "key" (no escapes) from flat JSON into buf. */
static int find_string(const char* json, const char* key, char* buf, size_t size) {
  char pattern[64];
  const char* at;
  size_t n = 0;
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  at = strstr(json, pattern);
  if (at == NULL) return 0;
  at += strlen(pattern);
  while (at[n] != '\0' && at[n] != '"' && at[n] != '\\' && n + 1 < size) {
    buf[n] = at[n];
    n++;
  }
  buf[n] = '\0';
  return 1;
}

static int call(wasl_instance* instance, const char* method, const char* request_json,
                char** response_json) {
  const wasl_host_api* host = instance->host;
  char key[128];
  long long now;
  size_t size;
  if (strcmp(method, "reporting.submit_report") != 0) {
    *response_json = copy_string(
        "{\"code\":\"unimplemented\",\"message\":\"the C plugin only submits reports\"}");
    return WASL_ERROR;
  }
  if (!find_string(request_json, "idempotency_key", key, sizeof key) || key[0] == '\0') {
    *response_json = copy_string(
        "{\"code\":\"invalid_argument\",\"message\":\"a report needs an idempotency key\"}");
    return WASL_ERROR;
  }
  now = (long long)host->now_unix_ms(host->ctx);
  host->log(host->ctx, WASL_LOG_INFO, "the C plugin accepted a report");
  size = strlen(key) + strlen(host->settings_json) + 128;
  *response_json = (char*)malloc(size);
  if (*response_json == NULL) return WASL_ERROR;
  snprintf(*response_json, size,
           "{\"receipt_id\":\"c-%s\",\"status\":\"accepted\",\"received_at_ms\":%lld,\"raw\":%s}",
           key, now, host->settings_json);
  return WASL_OK;
}

static int call_streaming(wasl_instance* instance, const char* method, const char* request_json,
                          wasl_chunk_fn on_chunk, void* chunk_ctx, char** response_json) {
  (void)instance;
  (void)method;
  (void)request_json;
  (void)on_chunk;
  (void)chunk_ctx;
  *response_json = copy_string("{\"code\":\"unimplemented\",\"message\":\"no streams\"}");
  return WASL_ERROR;
}

WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) { return WASL_ABI_VERSION; }

WASL_PLUGIN_EXPORT int wasl_plugin_register(const wasl_host_api* host,
                                            wasl_plugin_registration* out) {
  wasl_plugin_registration filled;
  (void)host;
  memset(&filled, 0, sizeof filled);
  filled.struct_size = out->struct_size < sizeof filled ? out->struct_size : sizeof filled;
  filled.info_json =
      "{\"name\":\"c_report\",\"version\":\"0.1.0\",\"sdk_version\":\"1.0\","
      "\"capabilities\":[\"reporting\"],\"description\":\"A report sink in plain C.\"}";
  filled.create_instance = &create_instance;
  filled.destroy_instance = &destroy_instance;
  filled.call = &call;
  filled.call_streaming = &call_streaming;
  filled.free_string = &free_string;
  memcpy(out, &filled, filled.struct_size);
  return WASL_OK;
}
