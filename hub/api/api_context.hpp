// ApiContext: what the /v1 API handlers work with, borrowed from the
// composition root (hub/app), which owns every service and keeps it alive
// until the HTTP server has stopped. add_api_routes() registers every /v1
// route of this concern on a router, each wrapped in the authorization
// middleware (authorization.hpp).
//
// Thread safety: handlers run on many server threads at once; every service
// named here is thread-safe by its own contract, and the context itself is
// read-only once routes are added.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hub/access/authenticator.hpp"
#include "hub/alerts/shared_alerts.hpp"
#include "hub/api/read_audit_window.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/audit/chain_status.hpp"
#include "hub/claims/claim_cancellation.hpp"
#include "hub/claims/claim_resubmission.hpp"
#include "hub/claims/information_answers.hpp"
#include "hub/clinical/clamd_scanner.hpp"
#include "hub/config/config.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/http/router.hpp"
#include "hub/object_store/object_stores.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/signin/people_store.hpp"
#include "hub/signin/provider_set.hpp"
#include "hub/signin/session_store.hpp"
#include "hub/signin/signin_flow.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "wasl/sdk/ehr.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/video.hpp"

namespace wasl::api {

class AvailabilityCache;
class JwksPublisher;

// Finds the EHR connector of a plugin instance ("ehr.fhir-main").
using EhrLookup =
    std::function<sdk::Result<std::shared_ptr<sdk::EhrConnector>>(std::string_view instance)>;

// Finds the video provider of a plugin instance ("video.twilio-main").
using VideoLookup =
    std::function<sdk::Result<std::shared_ptr<sdk::VideoProvider>>(std::string_view instance)>;

// Whether the plugin behind a video instance declares a feature
// (sdk::VideoProvider::kWaitingRoomTokens): (instance, feature) -> bool.
using VideoFeatureLookup = std::function<bool(std::string_view instance, std::string_view feature)>;

// The display names of signed-in people by person id ("psn_…"), read in
// the caller's transaction; ids it does not know are left out of the map.
using PersonNameResolver = std::function<sdk::Result<std::map<std::string, std::string>>(
    storage::Transaction&, const std::vector<std::string>& person_ids)>;

struct ApiOptions {
  // How long free slots read from a facility's EHR answer GET
  // /v1/availability again before the EHR is asked anew; a booking through
  // the hub forgets the facility's at once.
  std::chrono::milliseconds availability_ttl{5000};
  // Lifetime of a participant's join token.
  std::chrono::seconds join_token_ttl{2 * 60 * 60};
  // Participants (not removed) a consultation may hold, by type; types not
  // listed use default_participant_limit.
  int default_participant_limit = 15;
  std::map<domain::ConsultationType, int> participant_limits;
  // How far in the past scheduled_at may lie (clock skew between the
  // hospital system and the hub) before it is refused.
  std::chrono::milliseconds past_tolerance{5 * 60 * 1000};
  // Names this deployment in FHIR AuditEvent exports.
  std::string audit_observer = "wasl";
  // How long a shared document's download link works.
  std::chrono::milliseconds document_link_ttl{5 * 60 * 1000};
  // Epoch ms UTC; empty = the system clock.
  std::function<std::int64_t()> clock;
};

struct ApiContext {
  // Facilities' role bindings ("video" -> instance) and allowed workflows.
  const config::Config* config = nullptr;
  storage::Store* store = nullptr;
  // Encrypts and decrypts the PHI columns of the record stores.
  const records::CellCipher* cipher = nullptr;
  const audit::AuditWriter* audit = nullptr;
  // Bearer authentication with its failure limiter and auth.failed audit.
  access::Authenticator* authenticator = nullptr;
  workflow::Engine* engine = nullptr;
  workflow::DefinitionStore* definitions = nullptr;
  // GET /v1/plugins; null answers 503 there. Also the default video lookup.
  const plugin_host::PluginHost* plugins = nullptr;
  // GET /v1/alerts: the alerts every hub on the database shares; null: the
  // plugin host's alerts in this process's memory.
  alerts::SharedAlerts* alerts = nullptr;
  // Video providers by instance; empty = plugins->video(instance).
  VideoLookup video;
  // EHR connectors by instance; empty = plugins->ehr(instance).
  EhrLookup ehr;
  // Free slots recently read, per facility (availability_cache.hpp); made
  // by add_api_routes when null.
  std::shared_ptr<AvailabilityCache> availability;
  // The features their plugins declare; empty = the plugin info through
  // plugins (none without plugins).
  VideoFeatureLookup video_features;
  // The console's sign-in through identity providers (/signin/{provider}/…;
  // identity_provider_routes.hpp); null: no provider, /signin/providers
  // answers [].
  signin::SigninFlow* signin_flow = nullptr;
  const signin::ProviderSet* signin_providers = nullptr;
  // The actor these take is the request's (request_actor(): the principal
  // and its console session), for the audit events the claims stores write.
  // POST /v1/claims/poll: polls the facility's exchange for queued claim
  // answers now (facility id, actor) and answers the counts as JSON; empty
  // answers 503 there.
  std::function<sdk::Result<nlohmann::json>(const std::string&, const audit::AuditActor&)>
      poll_claims;
  // POST /v1/information-requests/{id}/answer: sends the answer
  // (claims::answer_information_request: facility id, request id, the
  // answer, actor); empty answers 503 there.
  std::function<sdk::Result<claims::InformationRequestRow>(
      const std::string&, const std::string&, const claims::AnswerInput&, const audit::AuditActor&)>
      answer_information_request;
  // POST /v1/claims/{id}/cancel and /nullify: cancels or nullifies the claim
  // at the exchange (claims::cancel_claim: facility id, claim id, kind,
  // reason, actor); empty answers 503 there.
  std::function<sdk::Result<claims::CancellationResult>(const std::string&, const std::string&,
                                                        claims::CancelKind, const std::string&,
                                                        const audit::AuditActor&)>
      cancel_claim;
  // POST /v1/claims/{id}/resubmit: resubmits the rejected claim
  // (claims::resubmit_claim: facility id, claim id, corrections, actor) and
  // answers the new claim; empty answers 503 there.
  std::function<sdk::Result<domain::Claim>(const std::string&, const std::string&,
                                           const claims::ResubmissionInput&,
                                           const audit::AuditActor&)>
      resubmit_claim;
  // POST /v1/billing/messages/{id}/replay: routes the facility's stored
  // billing message again (facility id, message id, actor) and answers its
  // row as JSON (claims::replay_billing_message); empty answers 503 there.
  std::function<sdk::Result<nlohmann::json>(const std::string&, const std::string&,
                                            const audit::AuditActor&)>
      replay_billing_message;
  // Optional: list reads a key repeats with the same answer are audited
  // once per window (GET /v1/consultations; read_audit_window.hpp); null =
  // every read is audited.
  ReadAuditWindow* read_audits = nullptr;
  // Optional: called after a request queued a message to a patient ("the
  // clinician is ready", a cancellation notice), to wake the notification
  // sender rather than wait for its next round.
  std::function<void()> notifications_queued;
  // Optional: called after webhooks were put back to "received"
  // (POST /v1/dead-letters/replay), to wake the webhook dispatcher.
  std::function<void()> webhooks_requeued;
  // GET /v1/audit/verification: the audit chain's status; null answers 503
  // there.
  audit::ChainStatus* audit_chain = nullptr;
  // Optional: GET /v1/audit names the people its page's actors name
  // (actor_name, FHIR agent.who.display); empty = no names.
  PersonNameResolver person_names;
  // Console sessions: every /v1 route also accepts the wasl_session cookie
  // (Bearer wins when both are sent); null: the cookie is not read and
  // /signin/api-key answers 503.
  const signin::SessionStore* sessions = nullptr;
  // The names of signed-in people (the Principal's person); required with
  // sessions.
  const signin::PeopleStore* people = nullptr;
  // Re-checks an API key's session's key at every use (a revoked key ends
  // it); required with sessions.
  const access::ApiKeyStore* api_keys = nullptr;
  // POST /signin/logout: the identity provider's logout URL for a person's
  // ended session (its id token as the hint); empty or nullopt answers
  // {"logout_url": null}.
  std::function<sdk::Result<std::optional<std::string>>(const signin::Session&,
                                                        const std::string& id_token)>
      idp_logout_url;
  // GET /.well-known/jwks.json: the hub's public signing keys
  // (well_known.hpp); null serves an empty set.
  const JwksPublisher* jwks = nullptr;
  // Where recordings' encrypted objects are read from
  // (GET /v1/recordings/{id}/content resolves the row's locator here); null
  // answers 503 there.
  const object_store::ObjectStores* object_stores = nullptr;
  // Optional: called after a request recorded a task (a shared document to
  // attach to the record), to wake the task runner.
  std::function<void()> tasks_requested;
  // Scans shared documents before they are kept
  // (POST /v1/consultations/{id}/documents); null answers 503 there.
  const clinical::ClamdScanner* document_scanner = nullptr;
  // Optional: API counters (wasl_api_*).
  observability::Metrics* metrics = nullptr;
  ApiOptions options;

  // The current time by options.clock.
  std::int64_t now_ms() const;
  // The video provider for `instance` through `video` or `plugins`;
  // kFailedPrecondition when neither is set.
  sdk::Result<std::shared_ptr<sdk::VideoProvider>> video_provider(std::string_view instance) const;
  // The EHR connector for `instance` through `ehr` or `plugins`;
  // kFailedPrecondition when neither is set.
  sdk::Result<std::shared_ptr<sdk::EhrConnector>> ehr_connector(std::string_view instance) const;
  // Whether the plugin of video `instance` declares `feature`, through
  // `video_features` or `plugins`; false when neither knows the instance.
  bool video_has_feature(std::string_view instance, std::string_view feature) const;
  // The participant limit for `type`.
  int participant_limit(domain::ConsultationType type) const;
};

// Registers every /v1 route of the API (consultations, participants,
// recordings, workflows, plugins, audit, the session, /v1/openapi.json) and
// the console's sign-in routes (/signin/…, signin_routes.hpp) on `router`; the
// webhook routes and the system probes are registered by their owners.
// `context` is borrowed by the handlers and must outlive the router's use.
// Throws std::invalid_argument when a required service is missing (store,
// cipher, audit, authenticator, engine, definitions): a wiring error found
// at start-up.
void add_api_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
