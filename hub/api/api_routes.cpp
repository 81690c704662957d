#include <stdexcept>

#include "hub/api/advanced_authorizations.hpp"
#include "hub/api/api_context.hpp"
#include "hub/api/attendance.hpp"
#include "hub/api/audit_trail.hpp"
#include "hub/api/audit_verification.hpp"
#include "hub/api/availability.hpp"
#include "hub/api/billing_messages.hpp"
#include "hub/api/caller.hpp"
#include "hub/api/claims.hpp"
#include "hub/api/clinical_notes.hpp"
#include "hub/api/consultations.hpp"
#include "hub/api/dead_letters.hpp"
#include "hub/api/feedback.hpp"
#include "hub/api/identity_provider_routes.hpp"
#include "hub/api/information_requests.hpp"
#include "hub/api/notifications.hpp"
#include "hub/api/observations.hpp"
#include "hub/api/openapi.hpp"
#include "hub/api/participants.hpp"
#include "hub/api/payments.hpp"
#include "hub/api/plugin_health.hpp"
#include "hub/api/plugins.hpp"
#include "hub/api/prescriptions.hpp"
#include "hub/api/recordings.hpp"
#include "hub/api/residency.hpp"
#include "hub/api/runs.hpp"
#include "hub/api/session.hpp"
#include "hub/api/shared_documents.hpp"
#include "hub/api/signin_routes.hpp"
#include "hub/api/visit_summaries.hpp"
#include "hub/api/well_known.hpp"
#include "hub/api/workflows.hpp"

namespace wasl::api {

void add_api_routes(http::Router& router, ApiContext& context) {
  auto require = [](const void* service, const char* name) {
    if (service == nullptr) {
      throw std::invalid_argument(std::string("ApiContext::") + name + " is not set");
    }
  };
  require(context.store, "store");
  require(context.cipher, "cipher");
  require(context.audit, "audit");
  require(context.authenticator, "authenticator");
  require(context.engine, "engine");
  require(context.definitions, "definitions");

  add_caller_routes(router, context);
  add_session_routes(router, context);
  add_signin_routes(router, context);
  add_availability_routes(router, context);
  add_consultation_routes(router, context);
  add_participant_routes(router, context);
  add_attendance_routes(router, context);
  add_clinical_note_routes(router, context);
  add_prescription_routes(router, context);
  add_observation_routes(router, context);
  add_feedback_routes(router, context);
  add_shared_document_routes(router, context);
  add_notification_routes(router, context);
  add_visit_summary_routes(router, context);
  add_recording_routes(router, context);
  add_claim_routes(router, context);
  add_billing_message_routes(router, context);
  add_advanced_authorization_routes(router, context);
  add_payment_routes(router, context);
  add_information_request_routes(router, context);
  add_workflow_routes(router, context);
  add_run_routes(router, context);
  add_plugin_routes(router, context);
  add_plugin_health_routes(router, context);
  add_residency_routes(router, context);
  add_dead_letter_routes(router, context);
  add_audit_trail_routes(router, context);
  add_audit_verification_routes(router, context);
  add_openapi_route(router, context);
  add_identity_provider_routes(router, context);
  add_well_known_routes(router, context);
}

}  // namespace wasl::api
