#include "plugins/nphies/response_reader.hpp"

#include "plugins/nphies/fhir_elements.hpp"
#include "plugins/nphies/message_envelope.hpp"
#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

Error malformed_response(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "the exchange's answer " + what, false);
}

std::string extension_code(const json& resource, const std::string& url) {
  const json* e = extension(resource, url);
  if (e == nullptr) return {};
  const json* codeable = member(*e, "valueCodeableConcept");
  return codeable != nullptr ? code_of(*codeable) : std::string();
}

void read_errors(const json& resource, sdk::ClaimResponse& out) {
  const json* errors = member(resource, "error");
  if (errors == nullptr || !errors->is_array()) return;
  for (const auto& e : *errors) {
    const json* codeable = member(e, "code");
    if (codeable == nullptr) continue;
    const json* codings = member(*codeable, "coding");
    if (codings == nullptr || !codings->is_array() || codings->empty()) continue;
    const json& c = (*codings)[0];
    sdk::BillingError error;
    error.code = text(c, "code");
    error.system = text(c, "system");
    error.display = text(c, "display");
    error.item_sequence = static_cast<int>(number(e, "itemSequence"));
    out.errors.push_back(error.code);
    out.error_details.push_back(std::move(error));
  }
}

void read_identifier(const json& resource, sdk::ClaimResponse& out) {
  const json* ids = member(resource, "identifier");
  if (ids != nullptr && ids->is_array() && !ids->empty()) {
    out.response_id = text((*ids)[0], "value");
    out.response_system = text((*ids)[0], "system");
  }
}

// Amounts of one adjudication list into `into`.
void read_amounts(const json& list, sdk::Adjudication& into, std::string& currency) {
  if (!list.is_array()) return;
  for (const auto& a : list) {
    const json* codeable = member(a, "category");
    if (codeable == nullptr) continue;
    std::string code = code_of(*codeable);
    double amount = 0;
    if (const json* m = member(a, "amount")) {
      amount = number(*m, "value");
      if (std::string c = text(*m, "currency"); !c.empty()) currency = c;
    }
    if (code == "eligible")
      into.eligible = amount;
    else if (code == "benefit")
      into.benefit = amount;
    else if (code == "copay")
      into.copay = amount;
    else if (code == "patientShare")
      into.patient_share = amount;
    else if (code == "tax")
      into.tax = amount;
    else if (code == "approved-quantity")
      into.approved_quantity = number(a, "value");
  }
}

sdk::ClaimResponse read_claim(const json& resource) {
  sdk::ClaimResponse out;
  read_identifier(resource, out);
  out.outcome = text(resource, "outcome");
  out.disposition = text(resource, "disposition");
  out.pre_auth_ref = text(resource, "preAuthRef");
  out.adjudication_outcome = extension_code(resource, v::extension("adjudication-outcome"));
  read_errors(resource, out);
  if (const json* items = member(resource, "item"); items != nullptr && items->is_array()) {
    for (const auto& item : *items) {
      sdk::Adjudication a;
      a.item_sequence = static_cast<int>(number(item, "itemSequence"));
      a.outcome = extension_code(item, v::extension("adjudication-outcome"));
      if (const json* list = member(item, "adjudication")) read_amounts(*list, a, out.currency);
      out.items.push_back(std::move(a));
    }
  }
  sdk::Adjudication totals;
  if (const json* list = member(resource, "total")) read_amounts(*list, totals, out.currency);
  out.total_benefit = totals.benefit;
  out.total_eligible = totals.eligible;
  out.total_copay = totals.copay;
  out.total_patient_share = totals.patient_share;
  out.total_tax = totals.tax;

  if (out.outcome == "queued") {
    out.status = "queued";
  } else if (out.outcome == "error") {
    out.status = "error";
  } else if (out.adjudication_outcome == "partial" || out.outcome == "partial") {
    out.status = "partial";
    out.approved = true;
  } else {
    out.status = "complete";
    out.approved = out.adjudication_outcome.empty() ? out.total_benefit > 0 && out.errors.empty()
                                                    : out.adjudication_outcome == "approved";
  }
  return out;
}

sdk::ClaimResponse read_eligibility(const json& resource) {
  sdk::ClaimResponse out;
  read_identifier(resource, out);
  out.outcome = text(resource, "outcome");
  out.disposition = text(resource, "disposition");
  out.site_eligibility = extension_code(resource, v::extension("siteEligibility"));
  read_errors(resource, out);
  if (const json* insurance = member(resource, "insurance");
      insurance != nullptr && insurance->is_array()) {
    for (const auto& i : *insurance) {
      if (const json* inforce = member(i, "inforce");
          inforce != nullptr && inforce->is_boolean() && inforce->get<bool>()) {
        out.inforce = true;
      }
      const json* items = member(i, "item");
      if (items == nullptr || !items->is_array()) continue;
      for (const auto& item : *items) {
        sdk::Benefit base;
        if (const json* c = member(item, "category")) base.category = code_of(*c);
        base.name = text(item, "name");
        if (const json* c = member(item, "network")) base.network = code_of(*c);
        if (const json* c = member(item, "unit")) base.unit = code_of(*c);
        if (const json* c = member(item, "term")) base.term = code_of(*c);
        if (const json* e = member(item, "excluded"); e != nullptr && e->is_boolean()) {
          base.excluded = e->get<bool>();
        }
        const json* benefits = member(item, "benefit");
        if (benefits == nullptr || !benefits->is_array() || benefits->empty()) {
          out.benefits.push_back(base);
          continue;
        }
        for (const auto& b : *benefits) {
          sdk::Benefit line = base;
          if (const json* t = member(b, "type")) line.type = code_of(*t);
          if (const json* m = member(b, "allowedMoney")) {
            line.allowed = number(*m, "value");
          } else {
            line.allowed = number(b, "allowedUnsignedInt");
          }
          if (const json* m = member(b, "usedMoney")) {
            line.used = number(*m, "value");
          } else {
            line.used = number(b, "usedUnsignedInt");
          }
          out.benefits.push_back(std::move(line));
        }
      }
    }
  }
  out.status = out.outcome == "error" ? "error" : out.outcome.empty() ? "complete" : out.outcome;
  out.approved = out.outcome != "error" && out.inforce && out.errors.empty() &&
                 (out.site_eligibility.empty() || out.site_eligibility == "eligible");
  return out;
}

sdk::ClaimResponse read_task(const json& resource) {
  sdk::ClaimResponse out;
  read_identifier(resource, out);
  const std::string status = text(resource, "status");
  out.outcome = status == "completed" ? "complete" : "error";
  out.status = out.outcome;
  out.approved = status == "completed";
  if (const json* reason = member(resource, "statusReason")) {
    if (const json* codings = member(*reason, "coding");
        codings != nullptr && codings->is_array()) {
      for (const auto& c : *codings) {
        sdk::BillingError e;
        e.code = text(c, "code");
        e.system = text(c, "system");
        e.display = text(c, "display");
        out.errors.push_back(e.code);
        out.error_details.push_back(std::move(e));
      }
    }
  }
  if (const json* business = member(resource, "businessStatus")) {
    out.disposition = text(*business, "text");
  }
  return out;
}

}  // namespace

std::string message_event(const json& bundle) {
  auto h = read_envelope(bundle);
  return h.ok() ? h->event : std::string();
}

Result<sdk::ClaimResponse> read_response(const json& bundle) {
  WASL_ASSIGN_OR_RETURN(MessageEnvelope h, read_envelope(bundle));
  const json* focal = focal_resource(bundle, h);
  sdk::ClaimResponse out;
  if (h.event == "eligibility-response") {
    if (focal == nullptr || text(*focal, "resourceType") != "CoverageEligibilityResponse") {
      return malformed_response("eligibility-response has no CoverageEligibilityResponse focus");
    }
    out = read_eligibility(*focal);
  } else if (h.event == "claim-response" || h.event == "priorauth-response") {
    if (focal == nullptr || text(*focal, "resourceType") != "ClaimResponse") {
      return malformed_response(h.event + " has no ClaimResponse focus");
    }
    out = read_claim(*focal);
  } else if (h.event == "cancel-response" || h.event == "status-response") {
    if (focal == nullptr || text(*focal, "resourceType") != "Task") {
      return malformed_response(h.event + " has no Task focus");
    }
    out = read_task(*focal);
  } else if (h.event == "acknowledgement" || h.event == "batch-response") {
    out.status = "complete";
    out.outcome = "complete";
    out.approved = h.response_code.empty() || h.response_code == "ok";
    // A refusal names the rules broken in an OperationOutcome focus.
    if (focal != nullptr && text(*focal, "resourceType") == "OperationOutcome") {
      out.error_details = outcome_errors(*focal);
      for (const auto& e : out.error_details) out.errors.push_back(e.code);
    }
  } else {
    return malformed_response("is a " +
                              (h.event.empty() ? std::string("message without event") : h.event) +
                              ", which the plugin does not read");
  }
  out.message_id = h.id;
  out.request_message_id = h.responds_to;
  if (out.request_message_id.empty() && focal != nullptr) {
    // An answer delivered by poll may name only the request's identifier.
    if (const json* request = member(*focal, "request")) {
      if (const json* identifier = member(*request, "identifier")) {
        out.request_message_id = message_header_id_of(text(*identifier, "value"));
      }
    }
  }
  out.raw = bundle;
  return out;
}

Result<StatusAnswer> read_status_response(const json& bundle) {
  WASL_ASSIGN_OR_RETURN(MessageEnvelope h, read_envelope(bundle));
  if (h.event != "status-response") {
    return malformed_response("is a " +
                              (h.event.empty() ? std::string("message without event") : h.event) +
                              ", not a status-response");
  }
  if (!h.response_code.empty() && h.response_code != "ok") {
    return malformed_response("status-response has response code " + h.response_code);
  }
  const json* task = focal_resource(bundle, h);
  if (task == nullptr || text(*task, "resourceType") != "Task") {
    return malformed_response("status-response has no Task focus");
  }
  if (const json* code = member(*task, "code"); code == nullptr || code_of(*code) != "status") {
    return malformed_response("status-response's Task is not of code status");
  }
  StatusAnswer out;
  if (const json* focus = member(*task, "focus")) {
    if (const json* identifier = member(*focus, "identifier")) {
      out.claim_system = text(*identifier, "system");
      out.claim_value = text(*identifier, "value");
    }
  }
  const std::string status = text(*task, "status");
  if (status == "rejected") {
    out.status.status = "not_held";
  } else if (status == "completed") {
    const json* outputs = member(*task, "output");
    if (outputs != nullptr && outputs->is_array()) {
      for (const auto& output : *outputs) {
        const json* type = member(output, "type");
        const json* codings = type != nullptr ? member(*type, "coding") : nullptr;
        if (codings == nullptr || !codings->is_array()) continue;
        bool is_status = false;
        for (const auto& c : *codings) {
          if (text(c, "system") == v::kTaskOutputType && text(c, "code") == "status") {
            is_status = true;
          }
        }
        if (!is_status) continue;
        const std::string value = text(output, "valueCode");
        if (value == "queued" || value == "complete") out.status.status = value;
      }
    }
    if (out.status.status.empty()) {
      return malformed_response(
          "status-response's completed Task has no status output of queued or "
          "complete");
    }
  } else {
    return malformed_response("status-response's Task has status " +
                              (status.empty() ? std::string("(none)") : status));
  }
  out.status.message_id = h.id;
  out.status.request_message_id = h.responds_to;
  return out;
}

Result<std::vector<sdk::ClaimResponse>> read_poll_response(const json& bundle) {
  WASL_ASSIGN_OR_RETURN(MessageEnvelope h, read_envelope(bundle));
  if (h.event != "poll-response")
    return malformed_response("is a " + h.event + ", not a poll-response");
  std::vector<sdk::ClaimResponse> out;
  for (const auto& entry : *array_member(bundle, "entry")) {
    const json* resource = member(entry, "resource");
    if (resource == nullptr || text(*resource, "resourceType") != "Bundle") continue;
    WASL_ASSIGN_OR_RETURN(sdk::ClaimResponse answer, read_response(*resource));
    out.push_back(std::move(answer));
  }
  return out;
}

}  // namespace wasl::plugins::nphies
