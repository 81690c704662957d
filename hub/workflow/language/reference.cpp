#include "hub/workflow/language/reference.hpp"

#include <cctype>

namespace wasl::workflow {
namespace {

sdk::Error invalid(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message), false);
}

bool is_identifier_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}
bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string_view root_name(ReferenceRoot root) {
  switch (root) {
    case ReferenceRoot::kTrigger: return "trigger";
    case ReferenceRoot::kSteps: return "steps";
    case ReferenceRoot::kConsultation: return "consultation";
    case ReferenceRoot::kEnv: return "env";
  }
  return "trigger";
}

// Walks `value` along path[from…]; nullptr when a segment is missing, with
// `missing` set to the index of that segment.
const nlohmann::json* walk(const nlohmann::json& value, const std::vector<std::string>& path,
                           std::size_t from, std::size_t& missing) {
  const nlohmann::json* node = &value;
  for (std::size_t i = from; i < path.size(); ++i) {
    const std::string& segment = path[i];
    if (node->is_object()) {
      auto it = node->find(segment);
      if (it == node->end()) {
        missing = i;
        return nullptr;
      }
      node = &*it;
    } else if (node->is_array() && all_digits(segment) && segment.size() < 10) {
      const std::size_t index = std::stoul(segment);
      if (index >= node->size()) {
        missing = i;
        return nullptr;
      }
      node = &(*node)[index];
    } else {
      missing = i;
      return nullptr;
    }
  }
  return node;
}

}  // namespace

std::string Reference::text() const {
  std::string out(root_name(root));
  if (root == ReferenceRoot::kEnv) return out + ":" + (path.empty() ? "" : path[0]);
  for (const auto& segment : path) out += "." + segment;
  return out;
}

std::string Reference::step_id() const {
  return root == ReferenceRoot::kSteps && !path.empty() ? path[0] : std::string();
}

sdk::Result<Reference> parse_reference(std::string_view body, std::size_t column_offset) {
  auto col = [column_offset](std::size_t c) {
    return "column " + std::to_string(c + column_offset) + ": ";
  };
  Reference ref;
  if (body.substr(0, 4) == "env:") {
    ref.root = ReferenceRoot::kEnv;
    const std::string_view name = body.substr(4);
    if (name.empty()) return invalid(col(5) + "env: needs a variable name, as in ${env:NAME}");
    for (std::size_t i = 0; i < name.size(); ++i) {
      const char c = name[i];
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
                      (i > 0 && c >= '0' && c <= '9');
      if (!ok) {
        return invalid(col(5 + i) + "'" + std::string(name) +
                       "' is not a variable name (letters, digits and _)");
      }
    }
    ref.path.emplace_back(name);
    return ref;
  }
  std::vector<std::string> segments;
  std::vector<std::size_t> columns;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = body.find('.', start);
    const std::string_view segment =
        body.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    const std::size_t column = start + 1;
    if (segment.empty()) {
      return invalid(col(column) + "empty segment in reference '" + std::string(body) + "'");
    }
    const bool numeric = all_digits(segment);
    if (!numeric) {
      if (!is_identifier_start(segment[0])) {
        return invalid(col(column) + "'" + std::string(segment) +
                       "' is not a name (letters, digits, _ and -, not starting with a digit "
                       "or -)");
      }
      for (std::size_t i = 0; i < segment.size(); ++i) {
        if (!is_identifier_char(segment[i])) {
          return invalid(col(column + i) + "unexpected '" + std::string(1, segment[i]) +
                         "' in reference '" + std::string(body) + "'");
        }
      }
    }
    segments.emplace_back(segment);
    columns.push_back(column);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::string& root = segments[0];
  if (root == "trigger") {
    ref.root = ReferenceRoot::kTrigger;
  } else if (root == "consultation") {
    ref.root = ReferenceRoot::kConsultation;
  } else if (root == "steps") {
    ref.root = ReferenceRoot::kSteps;
    if (segments.size() < 3) {
      return invalid(col(1) +
                     "a step reference names the step and a field, as in "
                     "steps.<id>.output or steps.<id>.status");
    }
    if (segments[2] != "output" && segments[2] != "status") {
      return invalid(col(columns[2]) + "'" + segments[2] +
                     "' is not a field of a step; expected output or status");
    }
    if (segments[2] == "status" && segments.size() > 3) {
      return invalid(col(columns[3]) + "steps.<id>.status is a string and has no fields");
    }
  } else {
    return invalid(col(1) + "unknown reference root '" + root +
                   "'; expected trigger, steps, consultation or env:");
  }
  ref.path.assign(segments.begin() + 1, segments.end());
  return ref;
}

sdk::Result<nlohmann::json> resolve(const Reference& reference, const EvaluationContext& context) {
  if (reference.root == ReferenceRoot::kEnv) {
    const std::string& name = reference.path.empty() ? std::string() : reference.path[0];
    std::optional<std::string> value;
    if (context.env) value = context.env(name);
    if (!value) return invalid("${env:" + name + "}: the variable is not set");
    return nlohmann::json(*value);
  }
  const std::string root(root_name(reference.root));
  auto it = context.data.is_object() ? context.data.find(root) : context.data.end();
  if (it == context.data.end()) {
    return invalid("${" + reference.text() + "}: the run has no " + root + " data");
  }
  std::size_t missing = 0;
  const nlohmann::json* node = walk(*it, reference.path, 0, missing);
  if (node == nullptr) {
    std::string where = root;
    for (std::size_t i = 0; i < missing; ++i) where += "." + reference.path[i];
    if (reference.root == ReferenceRoot::kSteps && missing <= 1) {
      return invalid("${" + reference.text() + "}: step '" + reference.path[0] + "' has no " +
                     (missing == 0 ? "result" : reference.path[1]) +
                     " (it has not run, was skipped or failed)");
    }
    return invalid("${" + reference.text() + "}: '" + reference.path[missing] + "' not found in " +
                   where);
  }
  return *node;
}

bool exists(const Reference& reference, const EvaluationContext& context) {
  if (reference.root == ReferenceRoot::kEnv) {
    return context.env && !reference.path.empty() && context.env(reference.path[0]).has_value();
  }
  auto it = context.data.is_object() ? context.data.find(std::string(root_name(reference.root)))
                                     : context.data.end();
  if (it == context.data.end()) return false;
  std::size_t missing = 0;
  const nlohmann::json* node = walk(*it, reference.path, 0, missing);
  return node != nullptr && !node->is_null();
}

}  // namespace wasl::workflow
