// FhirClient: FHIR R4 REST reads and writes through the Host's HTTP
// client, with the instance's authentication (auth smart: a token from
// smart_auth.hpp; a 401 gets one new token and one retry). Searches follow Bundle.link[next] (only
// to URLs under base_url, so credentials never leave the EHR) for at most max_pages pages. Errors
// follow error_mapping.hpp; a transport failure keeps the Host's code (kUnavailable,
// kDeadlineExceeded: retryable). Thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::fhir {

class SmartAuth;

class FhirClient {
 public:
  // `host` outlives the client.
  FhirClient(sdk::Host& host, FhirSettings settings);
  ~FhirClient();
  FhirClient(const FhirClient&) = delete;
  FhirClient& operator=(const FhirClient&) = delete;

  // GET <base>/<type>/<id>: the resource. kNotFound for 404/410;
  // kInvalidArgument for an id that is not a FHIR id.
  sdk::Result<nlohmann::json> read(std::string_view type, std::string_view id);

  // GET <base>/<type>?<query>&_count=<page_size>: every matching resource
  // of `type` across all pages (included resources of other types are left
  // out). `query` is already URL-encoded.
  sdk::Result<std::vector<nlohmann::json>> search(std::string_view type, std::string_view query);

  // GET <base>/metadata: the CapabilityStatement.
  sdk::Result<nlohmann::json> capabilities();

  // What a write answered: the resource's id and version, and whether the
  // server created it (201) or found it by the condition (200).
  struct Written {
    std::string id;
    std::string version_id;
    bool created = true;
    nlohmann::json resource;  // the body when the server returned one, else null
  };

  // POST <base>/<type> with If-None-Exist: identifier=<system>|<value>
  // (conditional create): a repeat finds the first resource instead of
  // creating a second. The id comes from the body, else from Location.
  sdk::Result<Written> create_if_none_exist(std::string_view type, const nlohmann::json& resource,
                                            std::string_view identifier_system,
                                            std::string_view identifier_value);

  // PUT <base>/<type>/<id> with If-Match: W/"<version_id>". kConflict
  // (retryable) on 412: someone else changed the resource since it was read.
  sdk::Result<Written> update_if_match(std::string_view type, std::string_view id,
                                       const nlohmann::json& resource, std::string_view version_id);

  // GET `url` (under base_url; kFailedPrecondition otherwise): the 2xx body
  // as sent, for a reader with its own budget (slot_bundle.hpp).
  sdk::Result<std::string> get_text(const std::string& url, std::string_view what);

  // POST <base> with a transaction Bundle: the transaction-response Bundle.
  // The server applies every entry or none; a failed entry is the answer's
  // status (412 on a stale If-Match: kConflict, retryable as for updates).
  sdk::Result<nlohmann::json> transaction(const nlohmann::json& bundle);

  const FhirSettings& settings() const { return settings_; }

 private:
  sdk::Result<nlohmann::json> get_json(const std::string& url, std::string_view what);
  // Sends `request` with the instance's authentication; a non-2xx answer is
  // mapped by error_mapping.hpp.
  sdk::Result<sdk::HttpResponse> send(sdk::HttpRequest request, std::string_view what);
  sdk::Result<Written> written(std::string_view type, std::string_view what,
                               const sdk::HttpResponse& response, std::string_view known_id = {});

  sdk::Host& host_;
  FhirSettings settings_;
  std::unique_ptr<SmartAuth> smart_;  // auth smart only
};

}  // namespace wasl::plugins::fhir
