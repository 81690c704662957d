#include "plugins/nphies/nphies_billing_gateway.hpp"

#include "plugins/nphies/batch_request.hpp"
#include "plugins/nphies/message_envelope.hpp"
#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/outgoing_checks.hpp"
#include "plugins/nphies/polled_message_reader.hpp"
#include "plugins/nphies/request_messages.hpp"
#include "plugins/nphies/response_reader.hpp"

namespace wasl::plugins::nphies {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

NphiesBillingGateway::NphiesBillingGateway(sdk::Host& host, NphiesSettings settings)
    : host_(host), settings_(std::move(settings)), client_(host_, settings_) {}

Result<json> NphiesBillingGateway::send(const json& message, std::string_view event,
                                        bool* answer_lost) {
  if (answer_lost != nullptr) *answer_lost = false;
  if (auto checked = check_outgoing(message, settings_.profile_version); !checked.ok()) {
    const std::string why =
        "NPHIES " + std::string(event) + " not sent: " + checked.error().message;
    host_.log(sdk::LogLevel::kWarn, why);
    return Error(ErrorCode::kInvalidArgument, host_.instance_name() + ": " + why, false);
  }
  return client_.send(message, event, answer_lost);
}

Result<sdk::ClaimResponse> NphiesBillingGateway::exchange(const json& message,
                                                          std::string_view event,
                                                          std::string_view expected,
                                                          const std::string& idempotency_key,
                                                          bool* answer_lost) {
  WASL_ASSIGN_OR_RETURN(json answer, send(message, event, answer_lost));
  const std::string got = message_event(answer);
  if (got != expected) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": NPHIES " + std::string(event) +
                     ": the exchange answered with " +
                     (got.empty() ? std::string("a bundle that is not a message") : got) +
                     " instead of " + std::string(expected),
                 true);
  }
  auto read = read_response(answer);
  if (!read.ok()) {
    return Error(
        ErrorCode::kUnavailable,
        host_.instance_name() + ": NPHIES " + std::string(event) + ": " + read.error().message,
        true);
  }
  sdk::ClaimResponse response = std::move(read).value();
  const std::string& sent_id = message["entry"][0]["resource"]["id"].get_ref<const std::string&>();
  if (response.request_message_id != sent_id) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": NPHIES " + std::string(event) +
                     ": the answer responds to another message",
                 true);
  }
  response.request_id = idempotency_key;
  return response;
}

Result<sdk::ClaimResponse> NphiesBillingGateway::check_eligibility(
    const sdk::EligibilityRequest& request) {
  WASL_ASSIGN_OR_RETURN(json message,
                        eligibility_request_message(settings_, request, client_.now_ms()));
  return exchange(message, "eligibility-request", "eligibility-response", request.idempotency_key);
}

Result<sdk::ClaimResponse> NphiesBillingGateway::send_claim(const sdk::Claim& claim) {
  WASL_ASSIGN_OR_RETURN(json message, claim_request_message(settings_, claim, client_.now_ms()));
  const bool preauth = claim.use == "preauthorization";
  const std::string event = preauth ? "priorauth-request" : "claim-request";
  bool answer_lost = false;
  auto answer = exchange(message, event, preauth ? "priorauth-response" : "claim-response",
                         claim.idempotency_key, &answer_lost);
  if (!answer.ok() && answer_lost) {
    // The message went out and no answer came back: the exchange may have
    // stored it or not. Neither queued nor failed: the hub asks with
    // check_status and resends the same message unless it is queued there.
    sdk::ClaimResponse unknown;
    unknown.request_id = claim.idempotency_key;
    unknown.request_message_id = message_ids(claim.idempotency_key).message_header_id;
    unknown.status = "unknown";
    unknown.disposition = "no answer from the exchange (" +
                          std::string(sdk::to_string(answer.error().code)) +
                          "); whether it holds the claim is asked with a status-check";
    host_.log(sdk::LogLevel::kWarn,
              "NPHIES " + event + ": " + answer.error().message + "; the claim is in doubt");
    return unknown;
  }
  return answer;
}

Result<sdk::ClaimResponse> NphiesBillingGateway::submit_claim(const sdk::Claim& claim) {
  if (claim.use != "claim") {
    return Error(ErrorCode::kInvalidArgument,
                 "submit_claim sends claims (use claim); prior authorizations go through "
                 "request_prior_authorization",
                 false);
  }
  return send_claim(claim);
}

Result<sdk::ClaimResponse> NphiesBillingGateway::request_prior_authorization(
    const sdk::Claim& claim) {
  sdk::Claim authorization = claim;
  authorization.use = "preauthorization";
  return send_claim(authorization);
}

Result<std::vector<sdk::ClaimResponse>> NphiesBillingGateway::poll(
    const sdk::PollRequest& request) {
  WASL_ASSIGN_OR_RETURN(json message, poll_request_message(settings_, request, client_.now_ms()));
  WASL_ASSIGN_OR_RETURN(json answer, send(message, "poll-request"));
  auto answers = read_poll_response(answer);
  if (!answers.ok()) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": NPHIES poll-request: " + answers.error().message, true);
  }
  host_.log(sdk::LogLevel::kDebug,
            "NPHIES poll-request: " + std::to_string(answers->size()) + " answer(s)");
  return answers;
}

Result<std::vector<sdk::PolledMessage>> NphiesBillingGateway::poll_messages(
    const sdk::PollRequest& request) {
  sdk::PollRequest asked = request;
  if (asked.message_types.empty()) asked.message_types = polled_events();
  WASL_ASSIGN_OR_RETURN(json message, poll_request_message(settings_, asked, client_.now_ms()));
  WASL_ASSIGN_OR_RETURN(json answer, send(message, "poll-request"));
  const std::string prefix = host_.instance_name() + ": NPHIES poll-request: ";
  auto messages = read_polled_messages(
      answer, PolledReading{asked.message_types, settings_.identifier_system("claim")});
  if (!messages.ok())
    return Error(ErrorCode::kUnavailable, prefix + messages.error().message, true);
  // A poll-response that names the poll it answers must name this one.
  const std::string& sent_id = message["entry"][0]["resource"]["id"].get_ref<const std::string&>();
  if (auto envelope = read_envelope(answer);
      envelope.ok() && !envelope->responds_to.empty() && envelope->responds_to != sent_id) {
    return Error(ErrorCode::kUnavailable, prefix + "the answer responds to another message", true);
  }
  std::size_t unreadable = 0;
  for (const auto& m : *messages) unreadable += m.event == "unreadable" ? 1 : 0;
  host_.log(sdk::LogLevel::kDebug, "NPHIES poll-request: " + std::to_string(messages->size()) +
                                       " message(s), " + std::to_string(unreadable) +
                                       " unreadable");
  return messages;
}

Result<sdk::ClaimResponse> NphiesBillingGateway::cancel(const sdk::CancelRequest& request) {
  WASL_ASSIGN_OR_RETURN(json message, cancel_request_message(settings_, request, client_.now_ms()));
  return exchange(message, "cancel-request", "cancel-response", request.idempotency_key);
}

Result<sdk::ClaimStatus> NphiesBillingGateway::check_status(
    const sdk::StatusCheckRequest& request) {
  WASL_ASSIGN_OR_RETURN(json message, status_check_message(settings_, request, client_.now_ms()));
  WASL_ASSIGN_OR_RETURN(json answer, send(message, "status-check"));
  const std::string prefix = host_.instance_name() + ": NPHIES status-check: ";
  auto read = read_status_response(answer);
  if (!read.ok()) return Error(ErrorCode::kUnavailable, prefix + read.error().message, true);
  const std::string& sent_id = message["entry"][0]["resource"]["id"].get_ref<const std::string&>();
  if (read->status.request_message_id != sent_id) {
    return Error(ErrorCode::kUnavailable, prefix + "the answer responds to another message", true);
  }
  // The Claim identifier the status-check named (request_messages.hpp).
  const std::string claim_value = message_ids(request.request_id).business_id;
  const std::string claim_system = settings_.identifier_system("claim");
  if (read->claim_value != claim_value ||
      (!read->claim_system.empty() && read->claim_system != claim_system)) {
    return Error(ErrorCode::kUnavailable, prefix + "the answer is about another claim", true);
  }
  sdk::ClaimStatus status = std::move(read->status);
  status.request_id = request.request_id;
  return status;
}

Result<sdk::Acknowledgement> NphiesBillingGateway::acknowledge(
    const sdk::AcknowledgeRequest& request) {
  WASL_ASSIGN_OR_RETURN(json message,
                        acknowledgement_message(settings_, request, client_.now_ms()));
  WASL_ASSIGN_OR_RETURN(
      sdk::ClaimResponse answer,
      exchange(message, "acknowledgement", "acknowledgement", request.idempotency_key));
  return sdk::Acknowledgement{request.message_id, answer.approved};
}

Result<sdk::Acknowledgement> NphiesBillingGateway::acknowledged(
    const json& message, std::string_view event, const std::string& idempotency_key) {
  WASL_ASSIGN_OR_RETURN(sdk::ClaimResponse answer,
                        exchange(message, event, "acknowledgement", idempotency_key));
  if (!answer.approved) {
    std::string rules;
    for (const auto& e : answer.error_details) {
      rules += (rules.empty() ? "" : "; ") + e.code + (e.display.empty() ? "" : ": " + e.display);
    }
    return Error(ErrorCode::kInvalidArgument,
                 host_.instance_name() + ": NPHIES " + std::string(event) +
                     ": the exchange refused it" + (rules.empty() ? "" : " (" + rules + ")"),
                 false);
  }
  return sdk::Acknowledgement{answer.message_id, true};
}

Result<sdk::Acknowledgement> NphiesBillingGateway::answer_information_request(
    const sdk::InformationAnswer& answer) {
  CommunicationAnswer c;
  c.idempotency_key = answer.idempotency_key;
  c.request_id = answer.request_id;
  c.request_system = answer.request_system;
  c.claim_request_id = answer.claim.idempotency_key;
  c.texts = answer.texts;
  for (const sdk::AnswerAttachment& a : answer.attachments) {
    c.attachments.push_back({a.content_type, a.title, a.data, a.created_ms});
  }
  if (answer.cannot_supply) {
    c.cannot_supply_reason = answer.reason.empty() ? "cannot be supplied" : answer.reason;
  }
  c.provider_license = answer.claim.provider_license;
  c.provider_name = answer.claim.provider_name;
  c.payer_license = answer.claim.payer_license.empty() ? answer.claim.coverage.payer_id
                                                       : answer.claim.payer_license;
  c.patient = answer.claim.patient;
  WASL_ASSIGN_OR_RETURN(json message, communication_message(settings_, c, client_.now_ms()));
  return acknowledged(message, "communication", answer.idempotency_key);
}

Result<sdk::Acknowledgement> NphiesBillingGateway::send_payment_notice(
    const sdk::PaymentNotice& notice) {
  PaymentNoticeRequest n;
  n.idempotency_key = notice.idempotency_key;
  n.reconciliation_id = notice.reconciliation_id;
  n.reconciliation_system = notice.reconciliation_system;
  n.amount = notice.amount;
  n.provider_license = notice.provider_license;
  n.payer_license = notice.payer_license;
  WASL_ASSIGN_OR_RETURN(json message, payment_notice_message(settings_, n, client_.now_ms()));
  return acknowledged(message, "payment-notice", notice.idempotency_key);
}

Result<sdk::BatchAcknowledgement> NphiesBillingGateway::submit_batch(const sdk::ClaimBatch& batch) {
  WASL_ASSIGN_OR_RETURN(json message, batch_request_message(settings_, batch, client_.now_ms()));
  sdk::BatchAcknowledgement ack;
  ack.request_id = batch.idempotency_key;
  ack.request_message_id = message_ids(batch.idempotency_key).message_header_id;
  bool answer_lost = false;
  auto answer =
      exchange(message, "batch-request", "batch-response", batch.idempotency_key, &answer_lost);
  if (!answer.ok() && !answer_lost) return answer.error();
  if (!answer.ok()) {
    ack.status = "unknown";
    ack.disposition = "no answer from the exchange (" +
                      std::string(sdk::to_string(answer.error().code)) +
                      "); whether it holds each claim is asked with a status-check";
    host_.log(sdk::LogLevel::kWarn, "NPHIES batch-request: " + answer.error().message + "; its " +
                                        std::to_string(batch.claims.size()) +
                                        " claims are in doubt");
  } else {
    ack.status = answer->approved ? "taken" : "refused";
    ack.message_id = answer->message_id;
    ack.disposition = answer->disposition;
    ack.error_details = answer->error_details;
    ack.raw = answer->raw;
  }
  const std::string claim_status = ack.status == "taken"     ? "queued"
                                   : ack.status == "refused" ? "error"
                                                             : "unknown";
  for (const sdk::Claim& claim : batch.claims) {
    sdk::ClaimResponse r;
    r.request_id = claim.idempotency_key;
    r.request_message_id = message_ids(claim.idempotency_key).message_header_id;
    r.status = claim_status;
    r.outcome = claim_status;
    r.errors = ack.status == "refused" ? answer->errors : std::vector<std::string>();
    r.error_details = ack.error_details;
    ack.claims.push_back(std::move(r));
  }
  return ack;
}

}  // namespace wasl::plugins::nphies
