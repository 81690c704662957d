// FHIR R4 elements read from a message that came from outside (the
// exchange's, a payer's) without trusting its shape: a member that is
// missing or of another type reads as absent, and nothing throws (a typed
// getter is called only after the type is checked). Each function looks at
// the element it is given, never further: O(size of that element).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <vector>
#include "wasl/sdk/result.hpp"

#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

// object[name] when `object` is an object that has it, else nullptr.
const nlohmann::json* member(const nlohmann::json& object, std::string_view name);

// object[name] when it is an array, else nullptr.
const nlohmann::json* array_member(const nlohmann::json& object, std::string_view name);

// The string member, or empty (sdk::string_member).
std::string text(const nlohmann::json& object, std::string_view name);

// The number member, or 0.
double number(const nlohmann::json& object, std::string_view name);

// The first non-empty code of a CodeableConcept's codings, or empty.
std::string code_of(const nlohmann::json& codeable);

// The extension of `element` with this url, or nullptr.
const nlohmann::json* extension(const nlohmann::json& element, std::string_view url);

// The errors an OperationOutcome's issues name: each issue's first
// details.coding (code, system, display; details.text, when given, as the
// display), else its FHIR issue type (system http://hl7.org/fhir/issue-type).
// Issues naming neither are left out.
std::vector<sdk::BillingError> outcome_errors(const nlohmann::json& operation_outcome);

// An Identifier's system and value (empty when absent).
sdk::Identifier identifier_of(const nlohmann::json& identifier);

// The first entry of element.identifier (an array), or an empty Identifier.
sdk::Identifier first_identifier(const nlohmann::json& element);

// A Money in SAR: its value, which must be a finite number, with currency
// "SAR". kInvalidArgument "<what> has no amount", "<what> is not a number",
// "<what> is not in SAR" (the currency is not quoted).
sdk::Result<double> sar_amount(const nlohmann::json* money, std::string_view what);

// A date or dateTime member in Saudi time (parse_ksa_time, fhir_time.hpp):
// nullopt when absent, kInvalidArgument "<name> is not a FHIR date or
// dateTime" when present and unreadable.
sdk::Result<std::optional<std::int64_t>> time_member(const nlohmann::json& object,
                                                     std::string_view name);

}  // namespace wasl::plugins::nphies
