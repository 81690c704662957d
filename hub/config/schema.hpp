// Schema: the one declaration of every config key — its name, expected form,
// default and description, and how it is read into Config. The same table
// validates a document (document_reader.hpp), fills the struct, documents the
// keys (describe.hpp) and renders the effective settings.
//
// A Field is bound to a target object by reference when it is declared; the
// target must outlive the Field unless the Field holds it in keep_alive.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/config/config.hpp"

namespace wasl::config {

class DocumentReader;

struct Field;
using Fields = std::vector<Field>;

// One entry of a list or map field as it currently is: the path suffix that
// names it ("[0]", ".video.main") and its fields bound to it.
struct FieldEntry {
  std::string suffix;
  Fields fields;
};

struct Field {
  std::string key;
  std::string form;         // the expected form, in messages and documentation
  std::string description;  // one sentence for the reference
  bool required = false;
  std::string default_note;  // documentation of the default when show() cannot say it

  // Validates `value` (found at `path`, `line`) and stores it in the target;
  // records a problem with the reader instead when it does not fit.
  std::function<void(const YAML::Node& value, const std::string& path, int line,
                     DocumentReader& reader)>
      read;
  // The target's current value as text; unset for sections, lists and maps.
  std::function<std::string()> show;
  // Sections: the nested fields, bound to the same target.
  std::function<Fields()> section;
  // Optional sections: whether the target is set; unset means always present.
  std::function<bool()> present;
  // Lists and maps: the fields of one default entry, for documentation, and
  // the path suffix used to name an entry in it ("[]", ".<capability>.<label>").
  std::function<Fields()> entry_template;
  std::string entry_label;
  // Lists and maps: the current entries, for rendering.
  std::function<std::vector<FieldEntry>()> entries;

  std::shared_ptr<void> keep_alive;
};

// The declaration of the whole document, bound to `config`.
Fields config_fields(Config& config);

// The capabilities an instance name or a facility binding may start with.
const std::vector<std::string>& capability_names();

// The roles a key or a signed-in person may hold, as access::Role names
// them (config sits below access; tests/unit/access keeps the two equal).
const std::vector<std::string>& role_names();

// The kinds of message a facility may send its patients
// (facilities.<id>.notifications.messages): invitation, reminder_24h,
// reminder_1h, clinician_ready, cancellation, reschedule, feedback.
const std::vector<std::string>& notification_message_kinds();

// The {{variables}} a message of `kind` may name, all of the consultation
// and none PHI: facility_name, weekday, date, time, hijri_date (the
// consultation's start on the facility's clock) and, but in a cancellation
// and a feedback message, join_link; a feedback message has feedback_link.
std::vector<std::string> notification_variables(std::string_view kind);

}  // namespace wasl::config
