/* abi.h: the binary boundary between the Wasl hub and a plugin library.
 *
 * Plain C (C99 and C++). Nothing here depends on a C++ type, a standard
 * library or a compiler: a plugin built with another toolchain, or written in
 * another language, loads as long as it exports the two functions below.
 *
 * Handshake, in this order, from one thread at hub start-up:
 *   1. the host resolves and calls wasl_plugin_abi_version(); a different
 *      WASL_ABI_VERSION_MAJOR is refused before anything else is called;
 *   2. the host calls wasl_plugin_register() with a process-wide host table
 *      and a zeroed wasl_plugin_registration whose struct_size is the host's
 *      sizeof; the plugin fills the fields it knows and returns WASL_OK.
 *   No work may happen in static initialisers.
 *
 * Messages: every call passes UTF-8 JSON text in and out. Media streams pass
 * byte chunks through a wasl_chunk_fn callback. The wire forms of requests,
 * results and errors are documented in types.hpp and wire_error.hpp (and read
 * by the C test plugin in tests/plugin_abi/c_plugin.c).
 *
 * Memory: whoever allocates, frees. A string the plugin returns is freed by
 * the host through wasl_plugin_registration.free_string; a string the host
 * returns is freed by the plugin through wasl_host_api.free_string. Strings
 * passed as arguments are borrowed for the duration of the call.
 *
 * Growth: every struct starts with `size_t struct_size`. Fields are only ever
 * appended. A reader uses WASL_STRUCT_HAS() before touching a field, so an
 * older plugin works with a newer host and the other way round.
 */
#ifndef WASL_SDK_ABI_H_
#define WASL_SDK_ABI_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define WASL_EXTERN_C extern "C"
#else
#define WASL_EXTERN_C
#endif

/* The one export macro. Plugins build with -fvisibility=hidden; only the two
 * entry points below are visible. */
#if defined(_WIN32)
#define WASL_PLUGIN_EXPORT WASL_EXTERN_C __declspec(dllexport)
#else
#define WASL_PLUGIN_EXPORT WASL_EXTERN_C __attribute__((visibility("default")))
#endif

#define WASL_ABI_VERSION_MAJOR 1
/* Minor 1: wasl_host_api.client_certificate and "mutual_tls" in HTTP requests.
 * A plugin built for 1.0 loads unchanged; a 1.1 plugin checks
 * WASL_STRUCT_HAS(host, wasl_host_api, client_certificate) before asking for
 * mutual TLS. */
/* Minor 2: the billing.check_status method and ClaimResponse status
 * "unknown" (JSON members only; no struct changed). */
/* Minor 3: CancelRequest.kind ("nullify") and Claim.related_request_id and
 * related_relationship (a resubmission); JSON members only. */
/* Minor 4: the billing.submit_batch method (ClaimBatch, BatchAcknowledgement);
 * JSON members only. A plugin built for an older minor answers it
 * kUnimplemented ("has no method"). */
/* Minor 5: the "feed" capability and its feed.accept method (FeedMessage,
 * FeedAnswer): messages the hub's MLLP listener reads for the plugin. JSON
 * members only; a plugin built for an older minor declares no feed. */
/* Minor 6: the "notify" capability and its notify.send method (Notification,
 * NotificationReceipt); PatientSummary.email; EncounterRequest.participants
 * (each participant's attendance periods). JSON members only; a plugin built
 * for an older minor declares no notify and ignores the new members. */
/* Minor 7: the ehr.public_keys method (PublicKeySet, a JWK Set of public
 * members): the keys an EHR instance signs with, which the hub publishes at
 * /.well-known/jwks.json. JSON members only; the hub does not ask a plugin
 * built for an older minor, which publishes no key. */
/* Minor 8: "features" in the plugin info (PluginDefinition::features):
 * "<capability>.<feature>" names of what a declared capability can do, e.g.
 * "video.waiting_room_tokens". JSON member only; a plugin built for an older
 * minor declares none, and a hub ignores a feature it does not know. */
/* Minor 9: wasl_host_api.run_process (Host::run_process, process.hpp): a
 * program named by an "x-executable" setting, run from an argument vector
 * with a time limit. A plugin checks WASL_STRUCT_HAS(host, wasl_host_api,
 * run_process) first; against an older hub it answers kUnimplemented. */
/* Minor 10: the ehr.write_note, ehr.write_medication_request and
 * ehr.write_vital_signs methods (NoteWrite, MedicationRequestWrite,
 * VitalSignWrite) and ResourceCreated.resource_type. JSON members only; the
 * hub does not call a plugin built for an older minor for them and answers
 * "not supported by this EHR" itself.
 * Also in minor 10: the ehr.find_free_slots and ehr.book_slot methods
 * (SlotSearch, FreeSlots, SlotBooking, BookedSlot): an EHR's free
 * Schedule/Slot times and booking one atomically. */
#define WASL_ABI_VERSION_MINOR 10
#define WASL_ABI_VERSION \
  ((uint32_t)(((uint32_t)WASL_ABI_VERSION_MAJOR << 16) | (uint32_t)WASL_ABI_VERSION_MINOR))
#define WASL_ABI_MAJOR_OF(v) ((uint32_t)(v) >> 16)
#define WASL_ABI_MINOR_OF(v) ((uint32_t)(v)&0xFFFFu)

/* Names of the exported symbols, for loaders. */
#define WASL_ABI_VERSION_SYMBOL "wasl_plugin_abi_version"
#define WASL_REGISTER_SYMBOL "wasl_plugin_register"

/* True when the struct at `ptr` (of type `type`) is large enough to hold `field`. */
#define WASL_STRUCT_HAS(ptr, type, field) \
  ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

#ifdef __cplusplus
extern "C" {
#endif

/* Return codes. On WASL_ERROR, the out string (when the function has one)
 * holds an error object: {"code": "<ErrorCode wire name>", "message": "...",
 * "retryable": bool, "retry_after_ms": int (optional)}. */
#define WASL_OK 0
#define WASL_ERROR 1
#define WASL_NOT_FOUND 2 /* state_get and secret only: no such key; out stays NULL */

/* Log levels for wasl_host_api.log. */
#define WASL_LOG_TRACE 0
#define WASL_LOG_DEBUG 1
#define WASL_LOG_INFO 2
#define WASL_LOG_WARN 3
#define WASL_LOG_ERROR 4

/* Receives one chunk of a byte stream. `data` is borrowed for the call.
 * Returns WASL_OK to continue, anything else to abort the stream. */
typedef int (*wasl_chunk_fn)(void* chunk_ctx, const uint8_t* data, size_t size);

/* What the hub lends a plugin. One table per plugin instance (and one for
 * registration, whose HTTP, secret and state functions answer WASL_ERROR).
 * Every function takes `ctx` as its first argument; the table and ctx stay
 * valid until destroy_instance returns. All functions are thread-safe. */
typedef struct wasl_host_api {
  size_t struct_size;
  void* ctx;

  /* HTTP request. request_json:
   *   {"method": "POST", "url": "https://…", "headers": [["Name","value"],…],
   *    "body": "text" | "body_base64": "…", "timeout_ms": 30000,
   *    "mutual_tls": true}
   * "mutual_tls" (ABI 1.1; only honoured by a host whose table has
   * client_certificate): present the instance's client certificate and
   * verify the server against the instance's CA bundle (host.hpp, "Mutual
   * TLS"); an error when the instance has none. A host older than 1.1 ignores
   * the member, so a plugin must not send it there.
   * On WASL_OK, *response_json = {"status": 200, "headers": [[k,v],…],
   *   "body": "text"} or "body_base64" when the body is not valid UTF-8.
   * A non-2xx status is WASL_OK: the plugin interprets statuses itself.
   * WASL_ERROR means no response (DNS, TLS, timeout, size limit). */
  int (*http_request)(void* ctx, const char* request_json, char** response_json);

  /* As http_request, but the body goes to on_chunk as it arrives and the
   * response object carries no body. on_chunk returning non-zero aborts. */
  int (*http_request_streaming)(void* ctx, const char* request_json, wasl_chunk_fn on_chunk,
                                void* chunk_ctx, char** response_json);

  /* The instance's secret `name` (UTF-8, NUL-terminated) into *value. */
  int (*secret)(void* ctx, const char* name, char** value);

  /* A log line; the host adds the instance name and redacts secrets and PHI. */
  void (*log)(void* ctx, int level, const char* message);

  /* Wall clock, milliseconds since the Unix epoch. */
  int64_t (*now_unix_ms)(void* ctx);

  /* Per-instance key/value state (small JSON values: cursors, tokens). */
  int (*state_get)(void* ctx, const char* key, char** value_json);
  int (*state_put)(void* ctx, const char* key, const char* value_json, char** error_json);

  /* Frees a string this table returned. NULL is accepted. */
  void (*free_string)(void* ctx, char* s);

  /* The instance's validated settings (schema defaults filled in), as JSON.
   * Borrowed; valid as long as the table. "{}" in the registration table. */
  const char* settings_json;
  /* The instance name, e.g. "video.twilio-main". Borrowed like settings_json. */
  const char* instance_name;

  /* ---- ABI 1.1 ---- */

  /* The instance's mutual TLS client certificate, described (never its key):
   * *certificate_json = {"subject": "CN=…", "issuer": "CN=…", "serial_hex": "…",
   *   "sha256_hex": "…", "not_before_ms": …, "not_after_ms": …,
   *   "trust_anchors": N}. WASL_NOT_FOUND when the instance has none (out
   * stays NULL). Its presence in the table means the host honours
   * "mutual_tls" in http_request and http_request_streaming. */
  int (*client_certificate)(void* ctx, char** certificate_json);

  /* ---- ABI 1.9 ---- */

  /* Runs a program and waits for it (process.hpp has the rules).
   * request_json: {"executable": "/usr/bin/ffmpeg", "arguments": ["-i", …],
   *   "environment": [["NAME","value"],…], "working_directory": "/…",
   *   "timeout_ms": 60000, "max_output_bytes": 65536}
   * On WASL_OK, *result_json = {"exited": true, "exit_code": 0, "signal": 0,
   *   "timed_out": false, "stdout": "…" | "stdout_base64": "…",
   *   "stdout_truncated": false, "stderr": …, "stderr_truncated": false,
   *   "elapsed_ms": 1234}: any exit is WASL_OK. WASL_ERROR (an error object)
   * means it did not run (refused executable, bad request, spawn failure) or
   * the call was cancelled. */
  int (*run_process)(void* ctx, const char* request_json, char** result_json);
} wasl_host_api;

/* An instance of a plugin, opaque to the host. */
typedef struct wasl_instance wasl_instance;

/* What a plugin tells the host at registration. Pointers it sets stay valid
 * until the library is unloaded. */
typedef struct wasl_plugin_registration {
  size_t struct_size;

  /* {"name": "twilio", "version": "1.2.0", "sdk_version": "1.0",
   *  "capabilities": ["video", "webhook"], "description": "…",
   *  "features": ["video.waiting_room_tokens"] (1.8, optional)} */
  const char* info_json;

  /* Creates an instance. `host` is valid until destroy_instance returns. The
   * settings are in host->settings_json, already validated against the
   * plugin's schema.json. On WASL_ERROR, *error_json holds an error object. */
  int (*create_instance)(const wasl_host_api* host, wasl_instance** out, char** error_json);

  /* Destroys an instance; no call on it is running or will start. */
  void (*destroy_instance)(wasl_instance* instance);

  /* Calls `method` (e.g. "video.create_room") with request_json. On WASL_OK
   * *response_json holds the result; on WASL_ERROR an error object. May be
   * called concurrently on one instance from several threads. */
  int (*call)(wasl_instance* instance, const char* method, const char* request_json,
              char** response_json);

  /* As call, for methods that produce a byte stream (e.g.
   * "video.fetch_media"): chunks go to on_chunk; the result object comes back
   * in *response_json. Aborts with an error when on_chunk returns non-zero. */
  int (*call_streaming)(wasl_instance* instance, const char* method, const char* request_json,
                        wasl_chunk_fn on_chunk, void* chunk_ctx, char** response_json);

  /* Frees a string the plugin returned. NULL is accepted. */
  void (*free_string)(char* s);

  /* On a failed registration: an error object (freed with free_string), or NULL. */
  char* error_json;
} wasl_plugin_registration;

/* The two entry points every plugin exports (see WASL_PLUGIN in plugin.hpp). */
typedef uint32_t (*wasl_plugin_abi_version_fn)(void);
typedef int (*wasl_plugin_register_fn)(const wasl_host_api* host, wasl_plugin_registration* out);

#ifdef __cplusplus
}
#endif

#endif /* WASL_SDK_ABI_H_ */
