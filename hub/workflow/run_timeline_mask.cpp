#include "hub/workflow/run_timeline_mask.hpp"

#include <string>
#include <vector>

#include "hub/workflow/language/capabilities.hpp"
#include "hub/workflow/language/value_template.hpp"

namespace wasl::workflow {
namespace {

using nlohmann::json;
using Path = std::vector<std::string>;
using Declared = std::vector<std::string>;

Path split(const std::string& dotted) {
  Path out;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

bool is_index(const std::string& segment) {
  if (segment.empty()) return false;
  for (char c : segment) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool segment_matches(const std::string& declared, const std::string& actual) {
  return declared == actual || (declared == "*" && is_index(actual));
}

// Whether a declared path is a prefix of `path` (the value at `path` is not PHI).
bool covered(const Declared& declared, const Path& path) {
  for (const auto& d : declared) {
    Path dp = split(d);
    if (dp.size() > path.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < dp.size() && match; ++i) match = segment_matches(dp[i], path[i]);
    if (match) return true;
  }
  return false;
}

// Whether some declared path lies at or below `path` (something there may be shown).
bool reaches_below(const Declared& declared, const Path& path) {
  for (const auto& d : declared) {
    Path dp = split(d);
    bool match = true;
    for (std::size_t i = 0; i < path.size() && i < dp.size() && match; ++i) {
      match = segment_matches(dp[i], path[i]);
    }
    if (match) return true;
  }
  return false;
}

Path child(const Path& path, const std::string& segment) {
  Path out = path;
  out.push_back(segment);
  return out;
}

// `value` with every value not covered by `declared` masked.
json mask_by_path(const json& value, const Declared& declared, const Path& path = {}) {
  if (covered(declared, path)) return value;
  if (!reaches_below(declared, path)) return value.is_null() ? value : json(kMaskedPhi);
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, member] : value.items()) {
      out[key] = mask_by_path(member, declared, child(path, key));
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.push_back(mask_by_path(value[i], declared, child(path, std::to_string(i))));
    }
    return out;
  }
  return value.is_null() ? value : json(kMaskedPhi);
}

const Step* step_of(const WorkflowDefinition& definition, const std::string& id,
                    bool compensation) {
  return compensation ? definition.find_compensation(id) : definition.find_step(id);
}

// What is declared not PHI in the output of the step `id` (steps first,
// then compensations); nullptr when the step or its capability is unknown.
const Declared* output_declaration(const WorkflowDefinition& definition, const std::string& id) {
  const Step* step = definition.find_step(id);
  if (step == nullptr) step = definition.find_compensation(id);
  if (step == nullptr) return nullptr;
  if (step->kind == StepKind::kWaitFor) return &event_non_phi_outputs();
  const Capability* capability = find_capability(step->call);
  return capability == nullptr ? nullptr : &capability->non_phi_outputs;
}

// The paths below `reference` (plus `below`) that are not PHI: the
// reference's source declares them.
bool reference_not_phi(const WorkflowDefinition& definition, const Reference& reference,
                       const Path& below) {
  Path path = reference.path;
  path.insert(path.end(), below.begin(), below.end());
  switch (reference.root) {
    case ReferenceRoot::kTrigger: return covered(trigger_non_phi_members(), path);
    case ReferenceRoot::kConsultation: return covered(consultation_non_phi_members(), path);
    case ReferenceRoot::kEnv: return false;
    case ReferenceRoot::kSteps: {
      if (path.size() < 2) return false;
      if (path[1] == "status") return true;
      if (path[1] != "output") return false;
      const Declared* declared = output_declaration(definition, path[0]);
      if (declared == nullptr) return false;
      return covered(*declared, Path(path.begin() + 2, path.end()));
    }
  }
  return false;
}

struct InputMasker {
  const WorkflowDefinition& definition;
  const Declared& declared;  // the capability's non_phi_inputs

  // A value the single reference `reference` put at input path `path`;
  // `below` is the position inside the referenced value.
  json referenced(const json& value, const Reference& reference, const Path& path,
                  const Path& below) const {
    if (value.is_object() || value.is_array()) {
      if (!reaches_below(declared, path)) return json(kMaskedPhi);
      json out = value.is_object() ? json::object() : json::array();
      std::size_t i = 0;
      for (auto it = value.begin(); it != value.end(); ++it, ++i) {
        const std::string key = value.is_object() ? it.key() : std::to_string(i);
        json masked = referenced(*it, reference, child(path, key), child(below, key));
        if (value.is_object()) {
          out[key] = std::move(masked);
        } else {
          out.push_back(std::move(masked));
        }
      }
      return out;
    }
    if (value.is_null()) return value;
    const bool shown = covered(declared, path) && reference_not_phi(definition, reference, below);
    return shown ? value : json(kMaskedPhi);
  }

  // The rendered `value` that `tmpl` (the step's `with` at input path `path`) produced.
  json mask(const json& tmpl, const json& value, const Path& path) const {
    if (tmpl.is_string()) {
      auto parsed = parse_string_template(tmpl.get_ref<const std::string&>());
      if (!parsed.ok()) return json(kMaskedPhi);
      if (parsed->single_reference()) {
        return referenced(value, parsed->parts[0].reference, path, {});
      }
      if (value.is_null()) return value;
      bool shown = covered(declared, path);
      for (const auto& part : parsed->parts) {
        if (part.is_reference) shown = shown && reference_not_phi(definition, part.reference, {});
      }
      return shown ? value : json(kMaskedPhi);
    }
    if (tmpl.is_object() && value.is_object()) {
      json out = json::object();
      for (const auto& [key, member] : value.items()) {
        auto t = tmpl.find(key);
        out[key] = t == tmpl.end() ? json(kMaskedPhi) : mask(*t, member, child(path, key));
      }
      return out;
    }
    if (tmpl.is_array() && value.is_array() && tmpl.size() == value.size()) {
      json out = json::array();
      for (std::size_t i = 0; i < value.size(); ++i) {
        out.push_back(mask(tmpl[i], value[i], child(path, std::to_string(i))));
      }
      return out;
    }
    // A literal written in the workflow file.
    return mask_by_path(value, declared, path);
  }

  // The template as written: references are shown (they are names, not
  // data), literals where the input path is declared not PHI.
  json mask_template(const json& tmpl, const Path& path) const {
    if (tmpl.is_string()) {
      auto parsed = parse_string_template(tmpl.get_ref<const std::string&>());
      if (parsed.ok() && parsed->has_references()) {
        for (const auto& part : parsed->parts) {
          if (!part.is_reference && !part.literal.empty() && !covered(declared, path)) {
            return json(kMaskedPhi);
          }
        }
        return tmpl;
      }
      return covered(declared, path) ? tmpl : json(kMaskedPhi);
    }
    if (tmpl.is_object()) {
      json out = json::object();
      for (const auto& [key, member] : tmpl.items()) {
        out[key] = mask_template(member, child(path, key));
      }
      return out;
    }
    if (tmpl.is_array()) {
      json out = json::array();
      for (std::size_t i = 0; i < tmpl.size(); ++i) {
        out.push_back(mask_template(tmpl[i], child(path, std::to_string(i))));
      }
      return out;
    }
    return mask_by_path(tmpl, declared, path);
  }
};

const Declared kNothing;

}  // namespace

void mask_timeline_phi(RunTimeline& timeline, const WorkflowDefinition* definition) {
  for (auto& a : timeline.attempts) {
    const Step* step =
        definition == nullptr ? nullptr : step_of(*definition, a.step_id, a.compensation);
    const Capability* capability =
        step == nullptr || step->kind != StepKind::kCall ? nullptr : find_capability(step->call);
    const Declared* outputs = nullptr;
    if (step != nullptr && step->kind == StepKind::kWaitFor) outputs = &event_non_phi_outputs();
    if (capability != nullptr) outputs = &capability->non_phi_outputs;
    if (!a.output.is_null()) a.output = mask_by_path(a.output, outputs ? *outputs : kNothing);

    if (step == nullptr || capability == nullptr) {
      if (!a.input.is_null()) a.input = json(kMaskedPhi);
      if (!a.input_template.is_null()) a.input_template = json(kMaskedPhi);
      continue;
    }
    InputMasker masker{*definition, capability->non_phi_inputs};
    if (!a.input.is_null()) a.input = masker.mask(step->with, a.input, {});
    if (!a.input_template.is_null()) a.input_template = masker.mask_template(a.input_template, {});
  }
}

}  // namespace wasl::workflow
