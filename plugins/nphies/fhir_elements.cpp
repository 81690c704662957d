#include "plugins/nphies/fhir_elements.hpp"

#include <cmath>

#include "plugins/nphies/fhir_time.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::plugins::nphies {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;

const json* member(const json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

const json* array_member(const json& object, std::string_view name) {
  const json* m = member(object, name);
  return m != nullptr && m->is_array() ? m : nullptr;
}

std::string text(const json& object, std::string_view name) {
  return sdk::string_member(object, name);
}

double number(const json& object, std::string_view name) {
  const json* m = member(object, name);
  return m != nullptr && m->is_number() ? m->get<double>() : 0;
}

std::string code_of(const json& codeable) {
  const json* codings = array_member(codeable, "coding");
  if (codings == nullptr) return {};
  for (const auto& c : *codings) {
    std::string code = text(c, "code");
    if (!code.empty()) return code;
  }
  return {};
}

const json* extension(const json& element, std::string_view url) {
  const json* list = array_member(element, "extension");
  if (list == nullptr) return nullptr;
  for (const auto& e : *list) {
    if (text(e, "url") == url) return &e;
  }
  return nullptr;
}

sdk::Identifier identifier_of(const json& identifier) {
  return {text(identifier, "system"), text(identifier, "value")};
}

sdk::Identifier first_identifier(const json& element) {
  const json* ids = array_member(element, "identifier");
  return ids != nullptr && !ids->empty() ? identifier_of((*ids)[0]) : sdk::Identifier{};
}

sdk::Result<double> sar_amount(const json* money, std::string_view what) {
  const json* value = money != nullptr ? member(*money, "value") : nullptr;
  if (value == nullptr) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " has no amount", false);
  }
  if (!value->is_number() || !std::isfinite(value->get<double>())) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " is not a number", false);
  }
  if (text(*money, "currency") != vocabulary::kCurrency) {
    return Error(ErrorCode::kInvalidArgument, std::string(what) + " is not in SAR", false);
  }
  return value->get<double>();
}

sdk::Result<std::optional<std::int64_t>> time_member(const json& object, std::string_view name) {
  const json* m = member(object, name);
  if (m == nullptr) return std::optional<std::int64_t>();
  std::optional<std::int64_t> ms;
  if (m->is_string()) ms = parse_ksa_time(m->get_ref<const std::string&>());
  if (!ms) {
    return Error(ErrorCode::kInvalidArgument, std::string(name) + " is not a FHIR date or dateTime",
                 false);
  }
  return ms;
}

std::vector<sdk::BillingError> outcome_errors(const json& operation_outcome) {
  std::vector<sdk::BillingError> out;
  const json* issues = array_member(operation_outcome, "issue");
  if (issues == nullptr) return out;
  for (const auto& issue : *issues) {
    sdk::BillingError error;
    if (const json* details = member(issue, "details")) {
      if (const json* codings = array_member(*details, "coding"); codings && !codings->empty()) {
        error.code = text((*codings)[0], "code");
        error.system = text((*codings)[0], "system");
        error.display = text((*codings)[0], "display");
      }
      if (std::string said = text(*details, "text"); !said.empty()) error.display = said;
    }
    if (error.code.empty()) {
      // No adjudication-error code: the FHIR issue type stands for it.
      error.code = text(issue, "code");
      error.system = error.code.empty() ? std::string() : "http://hl7.org/fhir/issue-type";
    }
    if (!error.code.empty()) out.push_back(std::move(error));
  }
  return out;
}

}  // namespace wasl::plugins::nphies
