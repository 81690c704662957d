// AbiHost: the Host a plugin's capability objects see, backed by the C table
// (wasl_host_api) the hub passed to create_instance. Compiled into the plugin.
// The table must outlive this object (the hub guarantees it until
// destroy_instance returns). Thread-safe as the table is.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/abi.h"
#include "wasl/sdk/host.hpp"

namespace wasl::sdk::glue {

class AbiHost final : public Host {
 public:
  // Parses host->settings_json; a malformed one reads as an empty object.
  explicit AbiHost(const wasl_host_api* host);

  Result<HttpResponse> http(const HttpRequest& request) override;
  Result<HttpResponse> http_streaming(const HttpRequest& request, const ChunkSink& sink) override;
  const nlohmann::json& settings() const override { return settings_; }
  Result<std::string> secret(std::string_view name) override;
  void log(LogLevel level, std::string_view message) override;
  std::chrono::system_clock::time_point now() override;
  Result<std::optional<nlohmann::json>> state_get(std::string_view key) override;
  Status state_put(std::string_view key, const nlohmann::json& value) override;
  const std::string& instance_name() const override { return instance_name_; }
  Result<ClientCertificate> client_certificate() override;
  Result<ProcessResult> run_process(const ProcessRequest& request) override;

 private:
  // Takes ownership of a string the host returned and frees it through the table.
  std::string take(char* s) const;
  // kFailedPrecondition when `request` asks for mutual TLS from a host older
  // than ABI 1.1, which would send it without the client certificate.
  Status check_mutual_tls(const HttpRequest& request) const;

  const wasl_host_api* host_;
  nlohmann::json settings_;
  std::string instance_name_;
};

}  // namespace wasl::sdk::glue
