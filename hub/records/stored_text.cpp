#include "hub/records/stored_text.hpp"

#include "hub/domain/phi_fields.hpp"
#include "hub/observability/redactor.hpp"

namespace wasl::records {
namespace {

const observability::Redactor& stored_text_redactor() {
  static const observability::Redactor kRedactor = [] {
    observability::Redactor r = observability::Redactor::standard();
    for (const std::string& member : domain::phi_json_members()) r.add_json_key(member);
    return r;
  }();
  return kRedactor;
}

}  // namespace

std::string redact_stored_text(std::string_view text) {
  return stored_text_redactor().redact(text);
}

std::optional<std::string> redact_stored_text_if_any(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return redact_stored_text(std::string_view(*text));
}

}  // namespace wasl::records
