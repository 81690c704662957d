/* An EhrConnector built for plugin ABI 1.6, before ehr.public_keys: it
 * reports version 1.6, as a plugin compiled against the 1.6 headers does. A
 * 1.7 hub must not ask it for its public keys. So that asking would show,
 * it answers "ehr.public_keys" with a key of kid "asked-a-1.6-plugin" all the
 * same; ehr.read_patient answers {"id": "<the id asked>"} and every other
 * method kUnimplemented. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasl/sdk/abi.h"

struct wasl_instance {
  int unused;
};

static char* copy_string(const char* s) {
  size_t n = strlen(s);
  char* out = (char*)malloc(n + 1);
  if (out != NULL) memcpy(out, s, n + 1);
  return out;
}

static void free_string(char* s) { free(s); }

static int create_instance(const wasl_host_api* host, wasl_instance** out, char** error_json) {
  (void)host;
  *error_json = NULL;
  *out = (wasl_instance*)calloc(1, sizeof(wasl_instance));
  return *out == NULL ? WASL_ERROR : WASL_OK;
}

static void destroy_instance(wasl_instance* instance) { free(instance); }

static int call(wasl_instance* instance, const char* method, const char* request_json,
                char** response_json) {
  (void)instance;
  if (strcmp(method, "ehr.public_keys") == 0) {
    *response_json = copy_string(
        "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"asked-a-1.6-plugin\",\"alg\":\"ES384\","
        "\"use\":\"sig\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\"}]}");
    return WASL_OK;
  }
  if (strcmp(method, "ehr.read_patient") == 0) {
    /* The request is {"id":"..."}; the answer repeats it whole. */
    *response_json = copy_string(request_json);
    return WASL_OK;
  }
  *response_json = copy_string("{\"code\":\"unimplemented\",\"message\":\"no such method\"}");
  return WASL_ERROR;
}

WASL_PLUGIN_EXPORT uint32_t wasl_plugin_abi_version(void) { return (uint32_t)((1u << 16) | 6u); }

WASL_PLUGIN_EXPORT int wasl_plugin_register(const wasl_host_api* host,
                                            wasl_plugin_registration* out) {
  wasl_plugin_registration filled;
  (void)host;
  memset(&filled, 0, sizeof filled);
  filled.struct_size = out->struct_size < sizeof filled ? out->struct_size : sizeof filled;
  filled.info_json =
      "{\"name\":\"abi_1_6_ehr\",\"version\":\"0.1.0\",\"sdk_version\":\"1.6\","
      "\"capabilities\":[\"ehr\"],\"description\":\"An EHR built for plugin ABI 1.6.\"}";
  filled.create_instance = &create_instance;
  filled.destroy_instance = &destroy_instance;
  filled.call = &call;
  filled.free_string = &free_string;
  memcpy(out, &filled, filled.struct_size);
  return WASL_OK;
}
