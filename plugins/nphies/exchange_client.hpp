// ExchangeClient: sends one NPHIES message to {base_url}/$process-message
// (POST, application/fhir+json, always mutual TLS through Host::http) and
// classifies what came back:
//   2xx with a FHIR Bundle     the answer (business errors inside it are the
//                              caller's to read: a successful call)
//   429                        kResourceExhausted, retryable, Retry-After
//   500, 502, 503, 504         kUnavailable, retryable (Retry-After when given)
//   408                        kDeadlineExceeded, retryable
//   400, 413, 422, other 4xx   kInvalidArgument, permanent: the message was
//                              refused as malformed; the OperationOutcome's
//                              issues are in the message
//   401, 403                   kPermissionDenied, permanent (e.g. the exchange's
//                              gateway refused the client certificate)
//   404, 405                   kFailedPrecondition, permanent (base_url)
//   2xx that is not a Bundle   kUnavailable, retryable (the resend is
//                              answered from the exchange's store)
//   no answer                  the host's error: kDeadlineExceeded and
//                              kUnavailable retryable; kFailedPrecondition
//                              (TLS: no, expired or refused certificate,
//                              wrong CA) permanent, naming the instance
// An answer lost: the host's kDeadlineExceeded or kUnavailable (a read or
// connect timeout, a refused, reset or closed connection with no answer),
// HTTP 408 and HTTP 504 leave unknown whether the exchange took the message;
// send() says so through `answer_lost`. Every other outcome is an answer.
// Clock: every answer's Date is compared with the host's clock. Beyond
// max_clock_skew the answer is set aside and the call fails with
// kFailedPrecondition (retryable, retry_after = clock_recheck); until
// clock_recheck has passed every further send is refused the same way
// without sending. Every error message starts with the instance's name and
// the event; none includes the message body (PHI).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>

#include <nlohmann/json.hpp>

#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::nphies {

class ExchangeClient {
 public:
  // `host` and `settings` must outlive the client.
  ExchangeClient(sdk::Host& host, const NphiesSettings& settings);

  // `event` names the message in errors ("claim-request"). When
  // `answer_lost` is given, it is set true exactly when the call failed
  // without an answer (see above), false otherwise.
  sdk::Result<nlohmann::json> send(const nlohmann::json& message, std::string_view event,
                                   bool* answer_lost = nullptr);

  std::int64_t now_ms();

 private:
  // "<instance>: NPHIES <event>: ", the start of every error message.
  std::string prefix(std::string_view event) const;
  sdk::Status refuse_while_skewed(std::string_view event, std::int64_t now_ms);
  sdk::Status observe_clock(const sdk::HttpResponse& response, std::string_view event,
                            std::int64_t now_ms);

  sdk::Host& host_;
  const NphiesSettings& settings_;
  std::mutex mutex_;
  std::int64_t skew_ms_ = 0;          // the exchange's Date minus the hub's clock, last seen
  std::int64_t refuse_until_ms_ = 0;  // sends are refused before this (hub clock)
};

}  // namespace wasl::plugins::nphies
