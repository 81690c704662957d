// FhirClient: FHIR R4 REST reads through the Host's HTTP client, with the
// instance's authentication. Searches follow Bundle.link[next] (only to URLs
// under base_url, so credentials never leave the EHR) for at most max_pages
// pages. Errors follow error_mapping.hpp; a transport failure keeps the
// Host's code (kUnavailable, kDeadlineExceeded: retryable). Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::fhir {

class FhirClient {
 public:
  // `host` outlives the client.
  FhirClient(sdk::Host& host, FhirSettings settings);

  // GET <base>/<type>/<id>: the resource. kNotFound for 404/410;
  // kInvalidArgument for an id that is not a FHIR id.
  sdk::Result<nlohmann::json> read(std::string_view type, std::string_view id);

  // GET <base>/<type>?<query>&_count=<page_size>: every matching resource
  // of `type` across all pages (included resources of other types are left
  // out). `query` is already URL-encoded.
  sdk::Result<std::vector<nlohmann::json>> search(std::string_view type, std::string_view query);

  // GET <base>/metadata: the CapabilityStatement.
  sdk::Result<nlohmann::json> capabilities();

  const FhirSettings& settings() const { return settings_; }

 private:
  sdk::Result<nlohmann::json> get_json(const std::string& url, std::string_view what);

  sdk::Host& host_;
  FhirSettings settings_;
};

// `value` percent-encoded for a URL query (RFC 3986 unreserved kept).
std::string url_encode(std::string_view value);

// Whether `id` is a FHIR id: [A-Za-z0-9-.]{1,64}.
bool is_fhir_id(std::string_view id);

}  // namespace wasl::plugins::fhir
