#include "hub/workflow/language/validator.hpp"

#include <algorithm>
#include <climits>
#include <functional>
#include <map>

#include "hub/text/join.hpp"
#include "hub/text/suggestion.hpp"
#include "hub/workflow/language/capabilities.hpp"
#include "hub/workflow/language/value_template.hpp"

namespace wasl::workflow {
namespace {

using nlohmann::json;

std::vector<std::string> keys_of(const json& object) {
  std::vector<std::string> out;
  for (auto it = object.begin(); it != object.end(); ++it) out.push_back(it.key());
  return out;
}

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string json_type(const json& v) {
  if (v.is_string()) return "a string";
  if (v.is_number()) return "a number";
  if (v.is_boolean()) return "true or false";
  if (v.is_array()) return "a list";
  if (v.is_object()) return "a mapping";
  return "null";
}

bool same_kind(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return true;
  return a.type() == b.type();
}

std::string step_name(const Step& s) {
  return (s.compensation ? "compensation '" : "step '") + s.id + "'";
}

class Validator {
 public:
  Validator(const WorkflowDefinition& d, std::vector<FileProblem>& problems)
      : d_(d), problems_(problems) {}

  void run() {
    index_ids();
    if (d_.trigger.kind == TriggerKind::kEvent && !d_.trigger.event.empty()) {
      check_event(d_.trigger.event, d_.trigger.line, "trigger");
    }
    compute_compensation_reach();
    for (std::size_t i = 0; i < d_.steps.size(); ++i) check_step(d_.steps[i], i);
    for (const auto& c : d_.compensations) {
      auto it = reach_.find(c.id);
      check_step(c, it == reach_.end() ? d_.steps.size() : it->second);
    }
    check_compensation_targets();
    check_cycles();
  }

 private:
  void problem(int line, std::string message) {
    problems_.push_back({d_.file, line, std::move(message)});
  }

  void index_ids() {
    auto add = [this](const Step& s) {
      if (s.id.empty()) return;
      auto [it, inserted] = first_line_.emplace(s.id, s.line);
      if (!inserted) {
        problem(s.line_of("id"), "duplicate step id '" + s.id + "' (first used at line " +
                                     std::to_string(it->second) + ")");
      }
    };
    for (std::size_t i = 0; i < d_.steps.size(); ++i) {
      add(d_.steps[i]);
      if (!d_.steps[i].id.empty()) step_index_.emplace(d_.steps[i].id, i);
      step_ids_.push_back(d_.steps[i].id);
    }
    for (const auto& c : d_.compensations) {
      add(c);
      comp_ids_.push_back(c.id);
    }
  }

  // For each compensation, the index of the first main step whose failure can
  // lead to it (directly or through then/compensate chains).
  void compute_compensation_reach() {
    for (std::size_t i = 0; i < d_.steps.size(); ++i) {
      const Step& s = d_.steps[i];
      if (s.on_failure.action != FailureAction::kCompensate) continue;
      std::vector<std::string> pending = {s.on_failure.compensation};
      std::set<std::string> seen;
      while (!pending.empty()) {
        const std::string id = pending.back();
        pending.pop_back();
        if (!seen.insert(id).second) continue;
        const Step* c = d_.find_compensation(id);
        if (c == nullptr) continue;
        auto it = reach_.find(id);
        if (it == reach_.end() || it->second > i) reach_[id] = i;
        if (!c->then.empty()) pending.push_back(c->then);
        if (c->on_failure.action == FailureAction::kCompensate) {
          pending.push_back(c->on_failure.compensation);
        }
      }
    }
  }

  void check_event(const std::string& event, int line, const std::string& who) {
    if (find_event_type(event) == nullptr) {
      const auto names = event_type_names();
      problem(line, who + ": unknown event type '" + event + "'" +
                        text::did_you_mean(event, names) + " (known events: " + text::join(names) +
                        ")");
    }
  }

  const Capability* check_call(const Step& s) {
    if (s.call.empty()) return nullptr;
    const int line = s.line_of("call");
    const std::string who = step_name(s);
    const auto dot = s.call.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == s.call.size()) {
      problem(line, who + ": call '" + s.call +
                        "' must name role.method (e.g. video.create_room) or hub.<action>");
      return nullptr;
    }
    const std::string role = s.call.substr(0, dot);
    const std::string method = s.call.substr(dot + 1);
    std::vector<std::string> roles = capability_roles();
    roles.push_back("hub");
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) {
      problem(line, who + ": unknown role '" + role + "' in call '" + s.call + "'" +
                        text::did_you_mean(role, roles) + " (roles: " + text::join(roles) + ")");
      return nullptr;
    }
    const Capability* cap = find_capability(s.call);
    if (cap == nullptr) {
      const auto methods = methods_of(role);
      if (role == "hub") {
        problem(line, who + ": unknown hub action '" + s.call + "'" +
                          text::did_you_mean(method, methods) +
                          " (hub actions: " + text::join(methods) + ")");
      } else {
        problem(line, who + ": the " + role + " role has no method '" + method + "'" +
                          text::did_you_mean(method, methods) + " (" + role +
                          " methods: " + text::join(methods) + ")");
      }
      return nullptr;
    }
    if (!cap->callable) {
      problem(line, who + ": " + cap->name + " " + cap->not_callable_reason);
      return nullptr;
    }
    return cap;
  }

  void check_members(const Step& s, const json& value, const json& sample, const std::string& path,
                     const std::string& call) {
    const int line = s.line_of(path);
    if (value.is_string()) {
      auto tmpl = parse_string_template(value.get_ref<const std::string&>());
      if (!tmpl.ok() || tmpl->has_references()) return;  // reported elsewhere, or typed at run time
    }
    if (sample.is_null() || (sample.is_object() && sample.empty()) ||
        (sample.is_array() && sample.empty())) {
      return;
    }
    if (!same_kind(value, sample)) {
      problem(line, step_name(s) + ": " + path + " must be " + json_type(sample) + " for " + call +
                        ", not " + json_type(value));
      return;
    }
    if (sample.is_object()) {
      const auto known = keys_of(sample);
      for (auto it = value.begin(); it != value.end(); ++it) {
        const std::string member = path + "." + it.key();
        if (path == "with" && it.key() == "idempotency_key") {
          problem(s.line_of(member), step_name(s) +
                                         ": with.idempotency_key is set by the engine from the "
                                         "run and the step; remove it");
          continue;
        }
        auto found = sample.find(it.key());
        if (found == sample.end()) {
          std::vector<std::string> candidates;
          for (const auto& k : known) {
            if (!(path == "with" && k == "idempotency_key")) candidates.push_back(k);
          }
          problem(s.line_of(member), step_name(s) + ": " + call + " has no input " + member +
                                         text::did_you_mean(it.key(), candidates) +
                                         " (inputs: " + text::join(candidates) + ")");
          continue;
        }
        check_members(s, it.value(), *found, member, call);
      }
    } else if (sample.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        check_members(s, value[i], sample[0], path + "." + std::to_string(i), call);
      }
    }
  }

  void check_with(const Step& s, const Capability& cap) {
    const int line = s.line_of("with");
    if (s.with.is_string()) {
      auto tmpl = parse_string_template(s.with.get_ref<const std::string&>());
      if (tmpl.ok() && !tmpl->single_reference()) {
        problem(line, step_name(s) +
                          ": with must be a mapping of input members, or exactly one "
                          "reference such as ${steps.claim.output}");
      }
      return;
    }
    if (s.with.is_object()) check_members(s, s.with, cap.input, "with", cap.name);
    if (!s.with.is_object() && !s.with.is_null()) return;
    std::vector<std::string> missing;
    for (const auto& req : cap.required_inputs) {
      if (!s.with.is_object() || !s.with.contains(req)) missing.push_back(req);
    }
    if (!missing.empty()) {
      problem(line, step_name(s) + ": " + cap.name + " needs with: " + text::join(missing));
    }
  }

  // The output sample of a step, or nullptr when unknown (bad call).
  const json* output_sample(const Step& target, std::string& source) {
    if (target.kind == StepKind::kWaitFor) {
      source = "the event " + target.event;
      return &event_output_sample();
    }
    const Capability* cap = find_capability(target.call);
    if (cap == nullptr || !cap->callable) return nullptr;
    source = cap->name;
    return &cap->output;
  }

  void check_output_path(const Reference& ref, const Step& target, int line,
                         const std::string& who) {
    std::string source;
    const json* node = output_sample(target, source);
    if (node == nullptr || ref.path.size() <= 2 || ref.path[1] != "output") return;
    if (node->is_null()) {
      problem(line, who + ": ${" + ref.text() + "}: " + source + " returns no output");
      return;
    }
    std::string where = "steps." + ref.path[0] + ".output";
    for (std::size_t k = 2; k < ref.path.size(); ++k) {
      const std::string& seg = ref.path[k];
      if (node->is_null() || (node->is_object() && node->empty()) ||
          (node->is_array() && node->empty())) {
        return;
      }
      if (node->is_object()) {
        auto it = node->find(seg);
        if (it == node->end()) {
          problem(line, who + ": ${" + ref.text() + "}: the output of " + source +
                            " has no member '" + seg + "' at " + where +
                            text::did_you_mean(seg, keys_of(*node)) +
                            " (members: " + text::join(keys_of(*node)) + ")");
          return;
        }
        node = &*it;
      } else if (node->is_array()) {
        if (!all_digits(seg)) {
          problem(line, who + ": ${" + ref.text() + "}: " + where +
                            " is a list; index it with a number, e.g. " + where + ".0");
          return;
        }
        node = &(*node)[0];
      } else {
        problem(line, who + ": ${" + ref.text() + "}: " + where + " is " + json_type(*node) +
                          " and has no member '" + seg + "'");
        return;
      }
      where += "." + seg;
    }
  }

  // `limit`: references may name main steps with index < limit.
  void check_reference(const Step& s, const Reference& ref, int line, std::size_t limit) {
    if (ref.root != ReferenceRoot::kSteps) return;
    const std::string who = step_name(s);
    const std::string id = ref.step_id();
    auto it = step_index_.find(id);
    if (it == step_index_.end()) {
      if (d_.find_compensation(id) != nullptr) {
        problem(line, who + ": ${" + ref.text() + "} refers to compensation '" + id +
                          "'; only the outputs of steps can be referenced");
      } else {
        problem(line, who + ": ${" + ref.text() + "} refers to step '" + id +
                          "', which does not exist" + text::did_you_mean(id, step_ids_));
      }
      return;
    }
    const std::size_t j = it->second;
    const Step& target = d_.steps[j];
    if (!s.compensation && target.id == s.id && &target == &s) {
      problem(line, who + ": ${" + ref.text() + "} refers to the step's own result");
      return;
    }
    if (j >= limit) {
      if (!s.compensation) {
        problem(line, who + ": ${" + ref.text() + "} refers to step '" + id + "' (line " +
                          std::to_string(target.line) +
                          "), which comes later; a step may only use steps above it");
      } else {
        const Step& trigger = d_.steps[limit];
        problem(line, who + ": ${" + ref.text() + "} refers to step '" + id + "' (line " +
                          std::to_string(target.line) + "), which has not run when step '" +
                          trigger.id + "' (line " + std::to_string(trigger.line) +
                          ") fails and leads to this compensation");
      }
      return;
    }
    check_output_path(ref, target, line, who);
  }

  void check_step(const Step& s, std::size_t limit) {
    const std::string who = step_name(s);
    if (s.kind == StepKind::kCall) {
      if (const Capability* cap = check_call(s)) check_with(s, *cap);
      std::vector<ReferenceSite> sites;
      std::vector<TemplateProblem> bad;
      collect_references(s.with, "with", sites, bad);
      for (const auto& b : bad)
        problem(s.line_of(b.member_path), who + ": " + b.member_path + ": " + b.message);
      for (const auto& site : sites) {
        check_reference(s, site.reference, s.line_of(site.member_path), limit);
      }
    } else {
      if (!s.event.empty()) check_event(s.event, s.line_of("wait_for"), who);
      if (s.lines.count("correlation")) {
        const int line = s.line_of("correlation");
        auto tmpl = parse_string_template(s.correlation);
        if (!tmpl.ok()) {
          problem(line, who + ": correlation: " + tmpl.error().message);
        } else if (!tmpl->has_references()) {
          problem(line, who +
                            ": correlation must use a value of the run, e.g. "
                            "${steps.room.output.provider_room_id}");
        } else {
          for (const auto& part : tmpl->parts) {
            if (part.is_reference) check_reference(s, part.reference, line, limit);
          }
        }
      }
    }
    if (s.when) {
      for (const auto& use : s.when->references()) {
        check_reference(s, use.reference, s.line_of("when"), limit);
      }
    }
  }

  void check_target(const Step& s, const std::string& target, int line, const std::string& key) {
    if (target.empty() || d_.find_compensation(target) != nullptr) return;
    if (d_.find_step(target) != nullptr) {
      problem(line, step_name(s) + ": " + key + " names '" + target +
                        "', which is a step, not a compensation; list it under compensations");
    } else {
      problem(line, step_name(s) + ": " + key + " names compensation '" + target +
                        "', which does not exist" + text::did_you_mean(target, comp_ids_));
    }
  }

  void check_compensation_targets() {
    auto check = [this](const Step& s) {
      if (s.on_failure.action == FailureAction::kCompensate) {
        check_target(s, s.on_failure.compensation, s.on_failure.line, "on_failure.compensate");
      }
      if (!s.then.empty()) check_target(s, s.then, s.line_of("then"), "then");
    };
    for (const auto& s : d_.steps) check(s);
    for (const auto& c : d_.compensations) check(c);
  }

  void check_cycles() {
    std::map<std::string, std::vector<std::string>> edges;
    for (const auto& c : d_.compensations) {
      auto& out = edges[c.id];
      if (!c.then.empty() && d_.find_compensation(c.then)) out.push_back(c.then);
      if (c.on_failure.action == FailureAction::kCompensate &&
          d_.find_compensation(c.on_failure.compensation)) {
        out.push_back(c.on_failure.compensation);
      }
    }
    enum Color { kWhite, kGrey, kBlack };
    std::map<std::string, Color> color;
    std::vector<std::string> stack;
    std::function<void(const std::string&)> visit = [&](const std::string& id) {
      color[id] = kGrey;
      stack.push_back(id);
      for (const auto& next : edges[id]) {
        if (color[next] == kGrey) {
          auto from = std::find(stack.begin(), stack.end(), next);
          std::string path;
          for (auto p = from; p != stack.end(); ++p) path += *p + " -> ";
          path += next;
          const Step* first = d_.find_compensation(next);
          problem(first != nullptr ? first->line : 0, "compensations form a cycle: " + path);
        } else if (color[next] == kWhite) {
          visit(next);
        }
      }
      stack.pop_back();
      color[id] = kBlack;
    };
    for (const auto& c : d_.compensations) {
      if (color[c.id] == kWhite) visit(c.id);
    }
  }

  const WorkflowDefinition& d_;
  std::vector<FileProblem>& problems_;
  std::map<std::string, int> first_line_;
  std::map<std::string, std::size_t> step_index_;
  std::vector<std::string> step_ids_;
  std::vector<std::string> comp_ids_;
  std::map<std::string, std::size_t> reach_;
};

}  // namespace

void validate_definition(const WorkflowDefinition& definition, std::vector<FileProblem>& problems) {
  Validator(definition, problems).run();
}

}  // namespace wasl::workflow
