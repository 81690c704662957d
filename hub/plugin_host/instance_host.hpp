// InstanceHost: the hub's side of wasl_host_api for one plugin instance (or
// for a library's registration, with no HTTP, secrets or state). It owns the
// C table and the strings it points to; the table stays valid as long as this
// object. Every callback catches every exception: nothing propagates into
// plugin code. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <optional>

#include <nlohmann/json.hpp>

#include "hub/plugin_host/http_client.hpp"
#include "hub/plugin_host/process_runner.hpp"
#include "hub/plugin_host/secret_source.hpp"
#include "hub/plugin_host/state_store.hpp"
#include "wasl/sdk/abi.h"
#include "wasl/sdk/client_certificate.hpp"
#include "wasl/sdk/host.hpp"

namespace wasl::plugin_host {

struct InstanceServices {
  std::unique_ptr<HttpClient> http;  // null: HTTP answers an error
  SecretSource* secrets = nullptr;   // borrowed; null: no secrets
  StateStore* state = nullptr;       // borrowed; null: no state
  // Wall clock; unset = std::chrono::system_clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Mutual TLS (the instance's `tls` settings; see sdk host.hpp): the client
  // that presents the instance's certificate and trusts only its CA bundle,
  // used for requests that ask for mutual_tls; null = the instance has none.
  std::unique_ptr<HttpClient> mutual_tls_http;
  // The certificate mutual_tls_http presents; unset when it presents none
  // (tls names only a CA bundle).
  std::optional<sdk::ClientCertificate> client_certificate;
  // Runs the programs the instance's x-executable settings name
  // (Host::run_process); null: run_process answers kUnimplemented. Its
  // running groups are killed when the InstanceHost is destroyed.
  std::unique_ptr<ProcessRunner> processes;
};

class InstanceHost {
 public:
  // `redact` are values (substituted secrets in the settings) that never reach
  // a log line; secrets handed out through the table are added to them.
  InstanceHost(std::string instance_name, const nlohmann::json& settings,
               std::vector<std::string> redact, InstanceServices services);
  InstanceHost(const InstanceHost&) = delete;
  InstanceHost& operator=(const InstanceHost&) = delete;
  // Kills the process groups still running for the instance.
  ~InstanceHost();

  const wasl_host_api* table() const { return &table_; }
  const std::string& instance_name() const { return instance_name_; }

  // `message` with every redacted value replaced by "[redacted]".
  std::string redact(std::string message) const;

 private:
  static int http_request(void* ctx, const char* request_json, char** response_json);
  static int http_request_streaming(void* ctx, const char* request_json, wasl_chunk_fn on_chunk,
                                    void* chunk_ctx, char** response_json);
  static int secret(void* ctx, const char* name, char** value);
  static void log(void* ctx, int level, const char* message);
  static int64_t now_unix_ms(void* ctx);
  static int state_get(void* ctx, const char* key, char** value_json);
  static int state_put(void* ctx, const char* key, const char* value_json, char** error_json);
  static void free_string(void* ctx, char* s);
  static int client_certificate(void* ctx, char** certificate_json);
  static int run_process(void* ctx, const char* request_json, char** result_json);

  // The client for `request`: the mutual TLS one when it asks for it, after
  // checking that the instance has a certificate valid now and the URL is
  // https; errors name the instance.
  sdk::Result<HttpClient*> client_for(const sdk::HttpRequest& request) const;

  std::string instance_name_;
  std::string settings_json_;
  InstanceServices services_;
  mutable std::mutex redact_mutex_;
  std::vector<std::string> redact_;
  wasl_host_api table_{};
};

}  // namespace wasl::plugin_host
