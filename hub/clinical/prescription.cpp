#include "hub/clinical/prescription.hpp"

#include "hub/domain/timestamp.hpp"

namespace wasl::clinical {
namespace {

nlohmann::json time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? nlohmann::json(domain::format_timestamp(*ms)) : nlohmann::json();
}

nlohmann::json json_text_or_null(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json();
}

}  // namespace

nlohmann::json prescription_json(const Prescription& p, bool with_details) {
  nlohmann::json j{{"id", p.id},
                   {"consultation_id", p.consultation_id},
                   {"status", std::string(to_string(p.status))},
                   {"language", std::string(to_string(p.language))},
                   {"author", p.author.actor},
                   {"author_practitioner", json_text_or_null(p.author.practitioner)},
                   {"created_at", domain::format_timestamp(p.created_at)},
                   {"updated_at", domain::format_timestamp(p.updated_at)},
                   {"signed_at", time_or_null(p.signed_at)},
                   {"cancelled_at", time_or_null(p.cancelled_at)},
                   {"cancelled_by", json_text_or_null(p.cancelled_by)}};
  if (with_details) {
    const PrescriptionDetails& d = p.details;
    j["medication"] = {
        {"system", d.medication_system}, {"code", d.medication_code}, {"text", d.medication_text}};
    j["dose"] = d.dose;
    j["route"] = d.route;
    j["frequency"] = d.frequency;
    j["duration"] = d.duration;
    j["quantity"] = {{"value", d.quantity}, {"unit", d.quantity_unit}};
    j["refills"] = d.refills;
    j["instructions"] = d.instructions;
    j["cancel_reason"] = json_text_or_null(p.cancel_reason);
  }
  return j;
}

}  // namespace wasl::clinical
