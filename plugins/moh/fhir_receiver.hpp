// FhirReceiver: the HTTPS side of delivery, through Host::http (TLS always
// verified; client certificate from the instance's http settings for
// auth: mutual_tls). Wasl's proposal of the receiving interface:
//
//   POST <base_url>/$process-message   the per-consultation message Bundle;
//        answer 200 with a response message Bundle whose
//        MessageHeader.response.code is ok (accepted), transient-error
//        (retried) or fatal-error (rejected); its Bundle id is the receipt.
//   POST <base_url>/MeasureReport      the aggregate, a conditional create
//        (If-None-Exist: identifier=urn:wasl:report-id|<report id>);
//        answer 201 (created) or 200 (already there) with the resource;
//        its id (or the Location header's) is the receipt.
//
// Every request carries Content-Type and Accept application/fhir+json, the
// report id as Idempotency-Key and, for auth: bearer, Authorization: Bearer.
// Status mapping: 2xx as above; 400, 409, 412 and 422 kInvalidArgument (the
// content is refused; not retried); 401 and 403 kUnauthenticated (not
// retried); 404 and 405 kFailedPrecondition (wrong base_url; not retried);
// 408, 425, 429 and 5xx kUnavailable (retried, Retry-After honoured in
// seconds or as an HTTP-date, wasl/sdk/http_status_error.hpp); a
// 2xx the plugin cannot read kUnavailable (retried: the receiver will
// answer the resend from its store). Messages name the status and the
// receiver's OperationOutcome text (at most 200 characters), never the
// report's content. Thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "plugins/moh/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::moh {

class FhirReceiver {
 public:
  // `host` and `settings` must outlive the receiver; settings.base_url is set.
  FhirReceiver(sdk::Host& host, const MohSettings& settings) : host_(host), settings_(settings) {}

  sdk::Result<sdk::Receipt> process_message(const nlohmann::json& bundle,
                                            const std::string& report_id);
  sdk::Result<sdk::Receipt> create_measure_report(const nlohmann::json& report,
                                                  const std::string& report_id);

 private:
  sdk::Result<sdk::HttpResponse> post(const std::string& path, const nlohmann::json& body,
                                      const std::string& report_id,
                                      const std::string& if_none_exist);

  sdk::Host& host_;
  const MohSettings& settings_;
};

}  // namespace wasl::plugins::moh
