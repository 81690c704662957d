// FhirPeer: the FHIR R4 peer of tests/peers/fhir (a real FHIR server on
// @medplum/fhir-router, see its README.md) as a child process of a test,
// started through the peer test-support harness (PeerProcess): installed
// with `npm ci` when stale, on a free loopback port, stopped by its pid.
// What the FHIR plugin's tests need from it: its base and token URLs, the
// fixtures, the resources it holds (to count Encounters and
// DocumentReferences), faults, the auth mode and the Subscription
// notifications it sent. A test double: never shipped.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::testing {

struct FhirPeerOptions {
  // none, bearer, basic or smart.
  std::string auth = "none";
  // smart: the client and its public key (SPKI PEM file); more clients with
  // register_client().
  std::string client_id = "wasl-hub";
  std::string public_key_file;
  // smart: the lifetime of the access tokens it issues.
  int token_lifetime_seconds = 300;
  // bearer / basic credentials.
  std::string bearer_token;
  std::string basic_user;
  std::string basic_password;
  // Fixtures loaded at start (see the README): "demo", "saudi", "examples".
  std::vector<std::string> seed = {"demo"};
  // What GET metadata's CapabilityStatement claims: another version to
  // test the plugin's refusal of a non-R4 server.
  std::string fhir_version = "4.0.1";
  // The FHIR base path.
  std::string base_path = "/fhir/R4";
  // Anything else for PeerProcess (extra args, env, deadlines).
  PeerOptions process;
};

class FhirPeer {
 public:
  // The ids the demo fixture stores.
  static constexpr const char* kDemoPatient = "Patient/fatimah-alzahrani";
  static constexpr const char* kDemoPractitioner = "Practitioner/khalid-alharbi";
  static constexpr const char* kDemoCoverage = "Coverage/fatimah-coverage";
  static constexpr const char* kDemoBookedAppointment = "Appointment/fatimah-booked";
  static constexpr const char* kDemoProposedAppointment = "Appointment/fatimah-proposed";
  static constexpr const char* kDemoOrganization = "Organization/wasl-clinic";

  // PeerProcess::start("fhir", …) with the options as flags. Errors: its own.
  static sdk::Result<std::unique_ptr<FhirPeer>> start(FhirPeerOptions options = {});

  // http://127.0.0.1:N/fhir/R4 (no trailing slash).
  std::string base_url() const { return process_->url() + base_path_; }
  // The SMART token endpoint (also in base_url()/.well-known/smart-configuration).
  std::string token_url() const { return process_->url() + "/auth/token"; }
  PeerProcess& process() const { return *process_; }

  // POST /_peer/seed: the named fixtures, then `resources` (each with its
  // id; Subscriptions are notified as for any write).
  sdk::Result<nlohmann::json> seed(const std::vector<std::string>& fixtures,
                                   const nlohmann::json& resources = nlohmann::json::array()) const;
  // Every current resource of `type` on the server.
  sdk::Result<std::vector<nlohmann::json>> resources(const std::string& type) const;
  // One resource by "Type/id" (kNotFound when absent).
  sdk::Result<nlohmann::json> read(const std::string& reference) const;
  // Stores an active rest-hook Subscription/<id> (through the control API,
  // so no token is needed) notifying `endpoint` of the resources matching
  // `criteria`, with `header` ("Name: value") and the R4 payload Bundle.
  sdk::Status subscribe(const std::string& id, const std::string& endpoint,
                        const std::string& header,
                        const std::string& criteria = "Appointment?status=booked,cancelled") const;
  // POST /_peer/notify: one notification to Subscription/<subscription_id>
  // now, of `what`: a "Type/id" string (a stored resource) or a resource
  // (stored or not, e.g. an appointment the server does not serve).
  sdk::Status notify(const std::string& subscription_id, const nlohmann::json& what) const;
  // POST /_peer/faults: a rule or an array of rules (see the README).
  sdk::Status fault(const nlohmann::json& rules) const;
  // POST /_peer/auth: e.g. {"mode": "smart"}, {"tokenLifetimeSeconds": 2}.
  sdk::Status configure_auth(const nlohmann::json& settings) const;
  // Registers a SMART client by its public key (SPKI PEM text).
  sdk::Status register_client(const std::string& client_id,
                              const std::string& public_key_pem) const;
  // Every access token issued so far expires now; returns how many were live.
  sdk::Result<int> expire_tokens() const;
  // The rest-hook notifications sent, oldest first: the records of
  // /_peer/received/notifications ({seq, at, item}).
  sdk::Result<std::vector<nlohmann::json>> notifications() const;
  // The calls a fault rule acted on, oldest first: the records of
  // /_peer/received/faulted ({seq, at, item}); `at` is when the rule fired,
  // item.endedAt when the call was answered or its connection closed (null
  // while a delayed or hung call is still held).
  sdk::Result<std::vector<nlohmann::json>> faulted() const;
  // GET /_peer/effects.
  sdk::Result<nlohmann::json> effects() const;
  // POST /_peer/reset: no resources, faults, tokens or effects (auth back
  // to the start's settings).
  sdk::Status reset() const;

 private:
  FhirPeer(std::unique_ptr<PeerProcess> process, std::string base_path)
      : process_(std::move(process)), base_path_(std::move(base_path)) {}

  std::unique_ptr<PeerProcess> process_;
  std::string base_path_;
};

}  // namespace wasl::testing
