#include "plugins/nphies/polled_message_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "plugins/nphies/fhir_elements.hpp"
#include "plugins/nphies/message_envelope.hpp"
#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"
#include "plugins/nphies/response_reader.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kUnreadable = "unreadable";

Error unreadable(std::string why) {
  return Error(ErrorCode::kInvalidArgument, std::move(why), false);
}

// A code from the message, fit to name in a problem: printable ASCII only,
// at most 40 characters.
std::string short_code(std::string_view code) {
  std::string out;
  for (char c : code.substr(0, 40)) out += (c >= 0x21 && c <= 0x7e) ? c : '?';
  if (code.size() > 40) out += "...";
  return out.empty() ? std::string("(none)") : out;
}

std::string nth_item(std::string_view what, std::size_t index) {
  return std::string(what) + " " + std::to_string(index + 1);
}

// The idempotency key of the claim `identifier` names when the provider sent
// it (message_ids.hpp), else empty.
std::string claim_key(const json& identifier, const PolledReading& reading) {
  const std::string system = text(identifier, "system");
  if (!system.empty() && system != reading.claim_system) return {};
  return idempotency_key_of(text(identifier, "value"));
}

// `from` and `to` as milliseconds from a FHIR Period member.
Status read_period(const json& resource, std::string_view name, std::int64_t& from,
                   std::int64_t& to) {
  const json* period = member(resource, name);
  if (period == nullptr) return Status();
  auto start = time_member(*period, "start");
  auto end = time_member(*period, "end");
  for (const auto* got : {&start, &end}) {
    if (!got->ok()) return unreadable(std::string(name) + "'s " + got->error().message);
  }
  from = start->value_or(0);
  to = end->value_or(0);
  return Status();
}

const json* focal_of_type(const json& bundle, const MessageEnvelope& envelope,
                          std::string_view type) {
  const json* focal = focal_resource(bundle, envelope);
  return focal != nullptr && text(*focal, "resourceType") == type ? focal : nullptr;
}

// communication-request: what the payer asks about a claim.
Result<sdk::InformationRequest> read_information_request(const json& bundle,
                                                         const MessageEnvelope& envelope,
                                                         const PolledReading& reading) {
  const json* focal = focal_of_type(bundle, envelope, "CommunicationRequest");
  if (focal == nullptr) return unreadable("no CommunicationRequest focus");
  sdk::InformationRequest out;
  const sdk::Identifier id = first_identifier(*focal);
  if (id.value.empty()) return unreadable("the CommunicationRequest has no identifier");
  out.request_id = id.value;
  out.request_system = id.system;
  if (const json* about = array_member(*focal, "about")) {
    for (const auto& reference : *about) {
      const std::string type = text(reference, "type");
      const json* identifier = member(reference, "identifier");
      if ((type.empty() || type == "Claim") && identifier != nullptr) {
        out.claim_request_id = claim_key(*identifier, reading);
        break;
      }
    }
  }
  if (const json* reasons = array_member(*focal, "reasonCode"); reasons && !reasons->empty()) {
    out.reason = code_of((*reasons)[0]);
  }
  const json* payload = array_member(*focal, "payload");
  if (payload == nullptr || payload->empty()) {
    return unreadable("the CommunicationRequest asks nothing (no payload)");
  }
  for (std::size_t i = 0; i < payload->size(); ++i) {
    const json& p = (*payload)[i];
    if (const json* content = member(p, "contentString");
        content != nullptr && content->is_string()) {
      if (!content->get_ref<const std::string&>().empty()) {
        out.questions.push_back(content->get<std::string>());
      }
    } else if (const json* attachment = member(p, "contentAttachment");
               attachment != nullptr && attachment->is_object()) {
      out.documents.push_back({text(*attachment, "contentType"), text(*attachment, "title")});
    } else {
      return unreadable(nth_item("payload", i) + " is neither contentString nor contentAttachment");
    }
  }
  if (out.questions.empty() && out.documents.empty()) {
    return unreadable("the CommunicationRequest asks nothing (empty payload)");
  }
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> authored, time_member(*focal, "authoredOn"));
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> due, time_member(*focal, "occurrenceDateTime"));
  out.authored_ms = authored.value_or(0);
  out.due_ms = due.value_or(0);
  return out;
}

Result<sdk::PaymentDetail> read_payment_detail(const json& detail, std::size_t index,
                                               const PolledReading& reading) {
  const std::string what = nth_item("detail", index);
  sdk::PaymentDetail out;
  const json* type = member(detail, "type");
  out.type = type != nullptr ? code_of(*type) : std::string();
  if (out.type != "payment" && out.type != "adjustment") {
    return unreadable(what + " is neither a payment nor an adjustment");
  }
  const json* request = member(detail, "request");
  const json* identifier = request != nullptr ? member(*request, "identifier") : nullptr;
  if (identifier == nullptr || text(*identifier, "value").empty()) {
    return unreadable(what + " names no claim");
  }
  out.claim_request_id = claim_key(*identifier, reading);
  WASL_ASSIGN_OR_RETURN(out.amount, sar_amount(member(detail, "amount"), what + "'s amount"));
  static const std::string kEarlyFee = v::extension("early-fee");
  static const std::string kNphiesFee = v::extension("nphies-fee");
  if (const json* fee = extension(detail, kEarlyFee)) {
    WASL_ASSIGN_OR_RETURN(out.early_fee,
                          sar_amount(member(*fee, "valueMoney"), what + "'s early-payment fee"));
  }
  if (const json* fee = extension(detail, kNphiesFee)) {
    WASL_ASSIGN_OR_RETURN(out.nphies_fee,
                          sar_amount(member(*fee, "valueMoney"), what + "'s nphies fee"));
  }
  auto date = time_member(detail, "date");
  if (!date.ok()) return unreadable(what + "'s " + date.error().message);
  out.date_ms = date->value_or(0);
  return out;
}

// payment-reconciliation: what the payer paid, claim by claim.
Result<sdk::PaymentReconciliation> read_payment(const json& bundle, const MessageEnvelope& envelope,
                                                const PolledReading& reading) {
  const json* focal = focal_of_type(bundle, envelope, "PaymentReconciliation");
  if (focal == nullptr) return unreadable("no PaymentReconciliation focus");
  sdk::PaymentReconciliation out;
  const sdk::Identifier id = first_identifier(*focal);
  if (id.value.empty()) return unreadable("the PaymentReconciliation has no identifier");
  out.reconciliation_id = id.value;
  out.reconciliation_system = id.system;
  if (text(*focal, "status") != "active") {
    return unreadable("the PaymentReconciliation's status is " +
                      short_code(text(*focal, "status")) + ", not active");
  }
  if (const std::string outcome = text(*focal, "outcome");
      outcome == "error" || outcome == "queued") {
    return unreadable("the PaymentReconciliation's outcome is " + outcome);
  }
  if (const json* payment_id = member(*focal, "paymentIdentifier")) {
    out.payment_id = text(*payment_id, "value");
  }
  WASL_ASSIGN_OR_RETURN(out.payment_amount,
                        sar_amount(member(*focal, "paymentAmount"), "paymentAmount"));
  out.currency = std::string(v::kCurrency);
  WASL_ASSIGN_OR_RETURN(std::optional<std::int64_t> paid, time_member(*focal, "paymentDate"));
  out.payment_date_ms = paid.value_or(0);
  WASL_RETURN_IF_ERROR(read_period(*focal, "period", out.period_start_ms, out.period_end_ms));
  const json* details = array_member(*focal, "detail");
  if (details == nullptr || details->empty()) return unreadable("names no claim (no detail)");
  out.details.reserve(details->size());
  for (std::size_t i = 0; i < details->size(); ++i) {
    WASL_ASSIGN_OR_RETURN(sdk::PaymentDetail detail,
                          read_payment_detail((*details)[i], i, reading));
    out.details.push_back(std::move(detail));
  }
  return out;
}

// advanced-authorization: an authorization the payer granted unasked.
Result<sdk::AdvancedAuthorization> read_advanced_authorization(const json& bundle,
                                                               const MessageEnvelope& envelope) {
  const json* focal = focal_of_type(bundle, envelope, "ClaimResponse");
  if (focal == nullptr) return unreadable("no ClaimResponse focus");
  if (text(*focal, "use") != "preauthorization") {
    return unreadable("the ClaimResponse is not of use preauthorization");
  }
  if (const std::string outcome = text(*focal, "outcome");
      outcome == "error" || outcome == "queued") {
    return unreadable("the ClaimResponse's outcome is " + outcome);
  }
  sdk::AdvancedAuthorization out;
  const sdk::Identifier id = first_identifier(*focal);
  out.response_id = id.value;
  out.response_system = id.system;
  out.pre_auth_ref = text(*focal, "preAuthRef");
  if (out.pre_auth_ref.empty()) return unreadable("the ClaimResponse has no preAuthRef");
  WASL_RETURN_IF_ERROR(
      read_period(*focal, "preAuthPeriod", out.period_start_ms, out.period_end_ms));
  if (const json* patient = member(*focal, "patient")) {
    const json* resource = entry_resource(bundle, text(*patient, "reference"));
    const json* ids = resource != nullptr && text(*resource, "resourceType") == "Patient"
                          ? array_member(*resource, "identifier")
                          : nullptr;
    if (ids != nullptr) {
      for (const auto& identifier : *ids) {
        sdk::Identifier one = identifier_of(identifier);
        if (!one.value.empty()) out.patient_identifiers.push_back(std::move(one));
      }
    }
    if (const json* identifier = member(*patient, "identifier")) {
      sdk::Identifier one = identifier_of(*identifier);
      if (!one.value.empty()) out.patient_identifiers.push_back(std::move(one));
    }
  }
  if (const json* insurance = array_member(*focal, "insurance"); insurance && !insurance->empty()) {
    if (const json* coverage = member((*insurance)[0], "coverage")) {
      const json* resource = entry_resource(bundle, text(*coverage, "reference"));
      if (resource != nullptr && text(*resource, "resourceType") == "Coverage") {
        out.member_id = first_identifier(*resource).value;
      }
      if (out.member_id.empty()) {
        if (const json* identifier = member(*coverage, "identifier")) {
          out.member_id = text(*identifier, "value");
        }
      }
    }
  }
  if (out.patient_identifiers.empty() && out.member_id.empty()) {
    return unreadable("names neither a patient identifier nor a member id");
  }
  return out;
}

// error-notice: the exchange reports errors, about one of the provider's
// messages when the MessageHeader responds to one.
Result<sdk::ErrorNotice> read_error_notice(const json& bundle, const MessageEnvelope& envelope) {
  const json* focal = focal_of_type(bundle, envelope, "OperationOutcome");
  if (focal == nullptr) return unreadable("no OperationOutcome focus");
  sdk::ErrorNotice out;
  out.errors = outcome_errors(*focal);
  if (out.errors.empty()) return unreadable("the OperationOutcome names no error");
  return out;
}

// Moves what `read` holds into `into`, or answers its error.
template <typename T>
Status keep(Result<T> read, T& into) {
  if (!read.ok()) return std::move(read).error();
  into = std::move(read).value();
  return Status();
}

bool asked_for(const PolledReading& reading, const std::string& event) {
  return std::find(reading.events.begin(), reading.events.end(), event) != reading.events.end();
}

}  // namespace

const std::vector<std::string>& polled_events() {
  static const std::vector<std::string> events = {
      "claim-response",         "priorauth-response",     "communication-request",
      "payment-reconciliation", "advanced-authorization", "error-notice"};
  return events;
}

sdk::PolledMessage read_polled_message(const json& message, const PolledReading& reading) {
  sdk::PolledMessage out;
  out.raw = message;
  auto envelope = read_envelope(message);
  if (!envelope.ok()) {
    out.event = std::string(kUnreadable);
    out.problem = envelope.error().message;
    // Its MessageHeader's ids when it has one, so it can still be
    // acknowledged.
    const json* entries = array_member(message, "entry");
    const json* header =
        entries != nullptr && !entries->empty() ? member((*entries)[0], "resource") : nullptr;
    if (header != nullptr && text(*header, "resourceType") == "MessageHeader") {
      out.message_id = text(*header, "id");
      if (const json* response = member(*header, "response")) {
        out.request_message_id = text(*response, "identifier");
      }
    }
    return out;
  }
  out.message_id = envelope->id;
  out.request_message_id = envelope->responds_to;
  const std::string& event = envelope->event;
  Status read;
  if (envelope->id.empty()) {
    read = unreadable("a message of event " + short_code(event) + " without a MessageHeader id");
  } else if (std::find(polled_events().begin(), polled_events().end(), event) ==
             polled_events().end()) {
    read =
        unreadable("a message of event " + short_code(event) + ", which the plugin does not read");
  } else if (!asked_for(reading, event)) {
    read = unreadable("a message of event " + event + ", which the poll did not ask for");
  } else if (event == "claim-response" || event == "priorauth-response") {
    auto answer = read_response(message);
    if (answer.ok()) {
      const json* focal = focal_resource(message, *envelope);
      const json* request = focal != nullptr ? member(*focal, "request") : nullptr;
      const json* identifier = request != nullptr ? member(*request, "identifier") : nullptr;
      if (identifier != nullptr) answer->request_id = claim_key(*identifier, reading);
      out.request_message_id = answer->request_message_id;
      out.answer = std::move(answer).value();
    } else {
      read = answer.error();
    }
  } else {
    Status got;
    if (event == "communication-request") {
      got = keep(read_information_request(message, *envelope, reading), out.information_request);
    } else if (event == "payment-reconciliation") {
      got = keep(read_payment(message, *envelope, reading), out.payment);
    } else if (event == "advanced-authorization") {
      got = keep(read_advanced_authorization(message, *envelope), out.advanced_authorization);
    } else {
      got = keep(read_error_notice(message, *envelope), out.error_notice);
    }
    if (!got.ok()) read = unreadable(event + ": " + got.error().message);
  }
  if (read.ok()) {
    out.event = event;
  } else {
    out.event = std::string(kUnreadable);
    out.problem = read.error().message;
  }
  return out;
}

Result<std::vector<sdk::PolledMessage>> read_polled_messages(const json& poll_response,
                                                             const PolledReading& reading) {
  WASL_ASSIGN_OR_RETURN(MessageEnvelope envelope, read_envelope(poll_response));
  if (envelope.event != "poll-response") {
    return Error(
        ErrorCode::kInvalidArgument,
        "the exchange's answer is a " + short_code(envelope.event) + ", not a poll-response",
        false);
  }
  std::vector<sdk::PolledMessage> out;
  for (const auto& entry : *array_member(poll_response, "entry")) {
    const json* resource = member(entry, "resource");
    if (resource == nullptr || text(*resource, "resourceType") != "Bundle") continue;
    if (out.size() == kMaxPolledMessages) break;
    out.push_back(read_polled_message(*resource, reading));
  }
  return out;
}

}  // namespace wasl::plugins::nphies
