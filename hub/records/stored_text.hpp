// Text the hub stores in clear beside PHI: the error text a plugin or the
// engine wrote (workflow_steps.error_message, workflow_runs.error,
// inbox.last_error). A provider's error may quote what it was sent, so it is
// redacted before it is stored: the log redactor's detectors (identity
// numbers, phones, e-mails) and the values of the PHI members the domain
// types declare (domain/phi_fields.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wasl::records {

std::string redact_stored_text(std::string_view text);
std::optional<std::string> redact_stored_text_if_any(const std::optional<std::string>& text);

}  // namespace wasl::records
