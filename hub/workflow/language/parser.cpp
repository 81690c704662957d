#include "hub/workflow/language/parser.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "hub/calendar/civil_time.hpp"
#include "hub/calendar/recurrence.hpp"
#include "hub/calendar/report_period.hpp"
#include "hub/config/yaml_budget.hpp"
#include "hub/text/duration.hpp"
#include "hub/text/join.hpp"
#include "hub/text/suggestion.hpp"

namespace wasl::workflow {
namespace {

using nlohmann::json;

constexpr int kMaxAttempts = 100;
constexpr std::chrono::milliseconds kMaxRetryDelay = std::chrono::hours(24);
constexpr std::chrono::milliseconds kMaxTimeout = std::chrono::hours(24 * 30);

bool is_plain(const YAML::Node& node) { return node.Tag() == "?" || node.Tag().empty(); }

bool valid_id(const std::string& id) {
  if (id.empty() || !(std::islower(static_cast<unsigned char>(id[0])) || id[0] == '_')) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool valid_name(const std::string& name) {
  if (name.empty() || !(std::islower(static_cast<unsigned char>(name[0])) ||
                        std::isdigit(static_cast<unsigned char>(name[0])))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

struct Entry {
  std::string key;
  int line = 0;
  YAML::Node value;
  int value_line = 0;
};

class DocumentParser {
 public:
  DocumentParser(std::string file, std::vector<FileProblem>& problems)
      : file_(std::move(file)), problems_(problems) {}

  void problem(int line, std::string message) {
    problems_.push_back({file_, line, std::move(message)});
  }

  static int line_of(const YAML::Node& node, int fallback) {
    if (!node.IsDefined()) return fallback;
    const int line = node.Mark().line;
    return line >= 0 ? line + 1 : fallback;
  }

  // The entries of a mapping; duplicate keys are problems (the first wins).
  std::vector<Entry> entries(const YAML::Node& node, int line, const std::string& what) {
    std::vector<Entry> out;
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsMap()) {
      problem(line_of(node, line), what + " must be a mapping of keys to values");
      return out;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const int key_line = line_of(it->first, line);
      if (!it->first.IsScalar()) {
        problem(key_line, what + ": a key must be a plain word");
        continue;
      }
      const std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        problem(key_line, what + ": duplicate key '" + key + "'");
        continue;
      }
      out.push_back({key, key_line, it->second, line_of(it->second, key_line)});
    }
    return out;
  }

  void unknown_key(const Entry& e, const std::vector<std::string>& allowed,
                   const std::string& what) {
    problem(e.line, "unknown key '" + e.key + "' in " + what + text::did_you_mean(e.key, allowed) +
                        " (expected " + text::join(allowed) + ")");
  }

  std::optional<std::string> scalar(const Entry& e, const std::string& what) {
    if (!e.value.IsDefined() || e.value.IsNull()) {
      problem(e.line, what + " is empty");
      return std::nullopt;
    }
    if (!e.value.IsScalar()) {
      problem(e.value_line, what + " must be a single value, not a list or mapping");
      return std::nullopt;
    }
    return e.value.Scalar();
  }

  // Converts a YAML value to JSON: plain scalars that read as null, booleans,
  // integers or floats become those; everything else is a string. Records the
  // line of every string under `path`.
  json to_json(const YAML::Node& node, const std::string& path, int line,
               std::map<std::string, int>& lines) {
    if (!node.IsDefined() || node.IsNull()) return nullptr;
    const int here = line_of(node, line);
    if (node.IsScalar()) {
      const std::string& s = node.Scalar();
      if (is_plain(node)) {
        if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
        if (s == "true" || s == "True" || s == "TRUE") return true;
        if (s == "false" || s == "False" || s == "FALSE") return false;
        json number = json::parse(s, nullptr, false);
        if (!number.is_discarded() && number.is_number() && !s.empty() && s[0] != '+') {
          return number;
        }
      }
      lines[path] = here;
      return s;
    }
    if (node.IsSequence()) {
      json out = json::array();
      std::size_t i = 0;
      for (const auto& item : node) {
        out.push_back(to_json(item, path + "." + std::to_string(i++), here, lines));
      }
      return out;
    }
    json out = json::object();
    for (const auto& e : entries(node, here, path)) {
      lines[path + "." + e.key] = e.line;
      out[e.key] = to_json(e.value, path + "." + e.key, e.line, lines);
    }
    return out;
  }

  std::optional<json> number(const Entry& e, const std::string& what) {
    auto text = scalar(e, what);
    if (!text) return std::nullopt;
    std::map<std::string, int> ignored;
    json v = to_json(e.value, "", e.line, ignored);
    if (!v.is_number()) {
      problem(e.value_line, what + " must be a number, not '" + *text + "'");
      return std::nullopt;
    }
    return v;
  }

  std::optional<std::chrono::milliseconds> duration(const Entry& e, const std::string& what) {
    auto text = scalar(e, what);
    if (!text) return std::nullopt;
    auto d = text::parse_duration(*text);
    if (!d.ok()) {
      problem(e.value_line, what + ": " + d.error().message);
      return std::nullopt;
    }
    return *d;
  }

  void parse_top(const YAML::Node& root, WorkflowDefinition& d) {
    static const std::vector<std::string> kKeys = {"name",    "version", "description",
                                                   "trigger", "steps",   "compensations"};
    bool has_name = false, has_version = false, has_trigger = false, has_steps = false;
    for (const auto& e : entries(root, 1, "the workflow")) {
      if (e.key == "name") {
        has_name = true;
        if (auto v = scalar(e, "name")) {
          if (!valid_name(*v)) {
            problem(e.value_line, "name '" + *v +
                                      "' must be lowercase letters, digits, - and _, "
                                      "starting with a letter or digit");
          }
          d.name = *v;
        }
      } else if (e.key == "version") {
        has_version = true;
        auto v = number(e, "version");
        if (v && (!v->is_number_integer() || v->get<std::int64_t>() < 1 ||
                  v->get<std::int64_t>() > 1000000)) {
          problem(e.value_line, "version must be a whole number from 1 to 1000000");
        } else if (v) {
          d.version = v->get<int>();
        }
      } else if (e.key == "description") {
        if (auto v = scalar(e, "description")) d.description = *v;
      } else if (e.key == "trigger") {
        has_trigger = true;
        parse_trigger(e, d.trigger);
      } else if (e.key == "steps") {
        has_steps = true;
        parse_steps(e, d.steps, false);
        if (d.steps.empty() && (!e.value.IsDefined() || e.value.IsNull() ||
                                (e.value.IsSequence() && e.value.size() == 0))) {
          problem(e.line, "steps is empty; a workflow needs at least one step");
        }
      } else if (e.key == "compensations") {
        parse_steps(e, d.compensations, true);
      } else {
        unknown_key(e, kKeys, "the workflow");
      }
    }
    if (!has_name) problem(1, "missing name (the workflow's name, e.g. name: consultation)");
    if (!has_version) problem(1, "missing version (a whole number, e.g. version: 1)");
    if (!has_trigger) problem(1, "missing trigger (e.g. trigger: {kind: api})");
    if (!has_steps) problem(1, "missing steps (the list of steps the workflow runs)");
  }

  void parse_trigger(const Entry& te, Trigger& t) {
    static const std::vector<std::string> kKeys = {
        "kind",  "consultation_type", "event",  "cron",
        "every", "time_zone",         "period", "description"};
    static const std::vector<std::string> kKinds = {"api", "event", "schedule"};
    t.line = te.line;
    std::optional<std::string> kind;
    int kind_line = te.line;
    std::optional<Entry> event, type, cron, every, zone, period;
    if (!te.value.IsMap()) {
      problem(te.value_line, "trigger must be a mapping, e.g. trigger: {kind: api}");
      return;
    }
    for (const auto& e : entries(te.value, te.line, "trigger")) {
      if (e.key == "kind") {
        kind = scalar(e, "trigger.kind");
        kind_line = e.value_line;
      } else if (e.key == "event") {
        event = e;
      } else if (e.key == "consultation_type") {
        type = e;
      } else if (e.key == "cron") {
        cron = e;
      } else if (e.key == "every") {
        every = e;
      } else if (e.key == "time_zone") {
        zone = e;
      } else if (e.key == "period") {
        period = e;
      } else if (e.key == "description") {
        scalar(e, "trigger.description");
      } else {
        unknown_key(e, kKeys, "trigger");
      }
    }
    if (!kind) {
      problem(te.line, "trigger needs a kind: api (POST /v1/consultations), event or schedule");
      return;
    }
    if (*kind != "schedule") {
      for (const auto* e : {&cron, &every, &zone, &period}) {
        if (*e) problem((*e)->line, "trigger." + (*e)->key + " applies only to kind: schedule");
      }
    }
    if (*kind == "api") {
      t.kind = TriggerKind::kApi;
      if (event) problem(event->line, "trigger.event applies only to kind: event");
      if (type) {
        if (auto v = scalar(*type, "trigger.consultation_type")) t.consultation_type = *v;
      }
    } else if (*kind == "event") {
      t.kind = TriggerKind::kEvent;
      if (type) problem(type->line, "trigger.consultation_type applies only to kind: api");
      if (!event) {
        problem(te.line, "a trigger of kind event needs event: <event type>");
      } else if (auto v = scalar(*event, "trigger.event")) {
        t.event = *v;
        event_line_ = event->value_line;
      }
    } else if (*kind == "schedule") {
      t.kind = TriggerKind::kSchedule;
      if (type) problem(type->line, "trigger.consultation_type applies only to kind: api");
      if (event) problem(event->line, "trigger.event applies only to kind: event");
      parse_schedule(te, t, cron, every, zone, period);
    } else {
      problem(kind_line, "unknown trigger kind '" + *kind + "'" +
                             text::did_you_mean(*kind, kKinds) +
                             " (expected api, event or schedule)");
    }
  }

  // kind: schedule — one of cron and every, each checked by calendar::parse_*,
  // an IANA time_zone and the period a run covers.
  void parse_schedule(const Entry& te, Trigger& t, const std::optional<Entry>& cron,
                      const std::optional<Entry>& every, const std::optional<Entry>& zone,
                      const std::optional<Entry>& period) {
    if (cron && every) {
      problem(every->line, "a schedule takes cron or every, not both");
    } else if (!cron && !every) {
      problem(te.line,
              "a trigger of kind schedule needs cron: \"0 2 * * *\" or every: 1d at 02:00");
    }
    if (cron) {
      if (auto v = scalar(*cron, "trigger.cron")) {
        if (auto r = calendar::parse_cron(*v); !r.ok()) {
          problem(cron->value_line, "trigger.cron: " + r.error().message);
        }
        t.cron = *v;
      }
    }
    if (every) {
      if (auto v = scalar(*every, "trigger.every")) {
        if (auto r = calendar::parse_every(*v); !r.ok()) {
          problem(every->value_line, "trigger.every: " + r.error().message);
        }
        t.every = *v;
      }
    }
    if (zone) {
      if (auto v = scalar(*zone, "trigger.time_zone")) {
        if (!calendar::is_time_zone(*v)) {
          problem(zone->value_line,
                  "trigger.time_zone: '" + *v + "' is not an IANA time zone (e.g. Asia/Riyadh)");
        }
        t.time_zone = *v;
      }
    }
    if (period) {
      if (auto v = scalar(*period, "trigger.period")) {
        if (!calendar::parse_period_kind(*v)) {
          problem(period->value_line, "trigger.period must be day or month, not '" + *v + "'");
        }
        t.period = *v;
      }
    }
  }

  void parse_steps(const Entry& list, std::vector<Step>& out, bool compensations) {
    const std::string what = compensations ? "compensations" : "steps";
    if (!list.value.IsDefined() || list.value.IsNull()) return;
    if (!list.value.IsSequence()) {
      problem(list.value_line, what + " must be a list of steps (each item starts with '- ')");
      return;
    }
    for (const auto& item : list.value) {
      const int line = line_of(item, list.line);
      if (!item.IsMap()) {
        problem(line, "each item of " + what + " must be a mapping with id and call" +
                          (compensations ? "" : " or wait_for"));
        continue;
      }
      out.push_back(parse_step(item, line, compensations));
    }
  }

  Step parse_step(const YAML::Node& node, int line, bool compensation) {
    static const std::vector<std::string> kStepKeys = {
        "id",   "call",  "wait_for", "with",       "correlation",
        "when", "retry", "timeout",  "on_failure", "description"};
    std::vector<std::string> allowed = kStepKeys;
    if (compensation) allowed.push_back("then");

    Step s;
    s.line = line;
    s.compensation = compensation;
    auto all = entries(node, line, "step");
    // Identify the step and its kind first so every later message can name them.
    std::vector<std::string> unknown;
    bool has_call = false, has_wait = false;
    for (const auto& e : all) {
      s.lines[e.key] = e.line;
      if (e.key == "id") {
        if (auto v = scalar(e, "step id")) s.id = *v;
      }
      if (e.key == "call") has_call = true;
      if (e.key == "wait_for") has_wait = true;
      if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end() && e.key != "then") {
        unknown.push_back(e.key);
      }
    }
    const std::string noun = compensation ? "compensation" : "step";
    const std::string name = s.id.empty() ? noun : noun + " '" + s.id + "'";
    if (!s.lines.count("id")) {
      problem(line, "a " + noun + " needs an id (e.g. id: room)");
    } else if (!s.id.empty() && !valid_id(s.id)) {
      problem(s.lines["id"], "step id '" + s.id +
                                 "' must be lowercase letters, digits and _, starting with a "
                                 "letter or _");
    }
    if (has_call && has_wait) {
      problem(s.lines["wait_for"],
              name + " has both call and wait_for; a step is one or the other");
    }
    bool reported_kind = false;
    if (!has_call && !has_wait) {
      const std::string expected = compensation ? "call" : "call or wait_for";
      if (!unknown.empty()) {
        problem(s.lines[unknown.front()],
                name + ": unknown step kind '" + unknown.front() + "'" +
                    text::did_you_mean(unknown.front(), {"call", "wait_for"}) + " (expected " +
                    expected + ")");
        reported_kind = true;
      } else {
        problem(line, name + " needs a kind: " + expected);
      }
    }
    s.kind = has_wait && !has_call ? StepKind::kWaitFor : StepKind::kCall;
    if (compensation && has_wait) {
      problem(s.lines["wait_for"], name + ": a compensation must be a call step, not wait_for");
    }

    for (const auto& e : all) {
      if (e.key == "id") continue;
      if (e.key == "call") {
        if (auto v = scalar(e, name + ": call")) s.call = *v;
        s.lines["call"] = e.value_line;
      } else if (e.key == "wait_for") {
        if (auto v = scalar(e, name + ": wait_for")) s.event = *v;
        s.lines["wait_for"] = e.value_line;
      } else if (e.key == "with") {
        if (has_wait && !has_call) {
          problem(e.line, name + ": with applies only to call steps");
          continue;
        }
        s.with = to_json(e.value, "with", e.line, s.lines);
        if (!s.with.is_object() && !s.with.is_string() && !s.with.is_null()) {
          problem(e.value_line, name +
                                    ": with must be a mapping of input members, or one "
                                    "reference such as ${steps.claim.output}");
        }
      } else if (e.key == "correlation") {
        if (has_call) {
          problem(e.line, name + ": correlation applies only to wait_for steps");
          continue;
        }
        if (auto v = scalar(e, name + ": correlation")) s.correlation = *v;
        s.lines["correlation"] = e.value_line;
      } else if (e.key == "when") {
        parse_when(e, name, s);
      } else if (e.key == "retry") {
        if (has_wait && !has_call) {
          problem(e.line, name +
                              ": retry applies only to call steps (a wait_for timeout goes "
                              "to on_failure)");
          continue;
        }
        parse_retry(e, name, s.retry);
      } else if (e.key == "timeout") {
        if (auto d = duration(e, name + ": timeout")) {
          if (d->count() <= 0 || *d > kMaxTimeout) {
            problem(e.value_line, name + ": timeout must be from 1ms to 30d");
          } else {
            s.timeout = *d;
          }
        }
      } else if (e.key == "on_failure") {
        parse_on_failure(e, name, s.on_failure);
      } else if (e.key == "description") {
        if (auto v = scalar(e, name + ": description")) s.description = *v;
      } else if (e.key == "then") {
        if (!compensation) {
          problem(e.line, name + ": then applies only to compensations");
          continue;
        }
        if (auto v = scalar(e, name + ": then")) s.then = *v;
        s.lines["then"] = e.value_line;
      } else if (reported_kind && e.key == unknown.front()) {
        continue;
      } else {
        unknown_key(e, allowed, name);
      }
    }
    if (has_wait && !has_call) {
      if (!s.timeout && !s.lines.count("timeout")) {
        problem(line, name + ": a wait_for step needs a timeout (e.g. timeout: 12h)");
      }
      if (!s.lines.count("correlation")) {
        problem(line, name +
                          ": a wait_for step needs a correlation, e.g. correlation: "
                          "${steps.room.output.provider_room_id}");
      }
    }
    return s;
  }

  void parse_when(const Entry& e, const std::string& name, Step& s) {
    s.lines["when"] = e.value_line;
    auto text = scalar(e, name + ": when");
    if (!text) return;
    auto expr = parse_expression(*text);
    if (!expr.ok()) {
      problem(e.value_line, name + ": when: " + expr.error().message);
      return;
    }
    s.when = std::move(expr).value();
  }

  void parse_retry(const Entry& re, const std::string& name, RetryPolicy& r) {
    static const std::vector<std::string> kKeys = {"max_attempts", "initial_delay", "multiplier",
                                                   "max_delay",    "jitter",        "on"};
    r.declared = true;
    if (!re.value.IsMap()) {
      problem(re.value_line, name + ": retry must be a mapping, e.g. retry: {max_attempts: 5}");
      return;
    }
    const std::string what = name + ": retry.";
    int max_delay_line = re.line;
    bool explicit_max_delay = false;
    for (const auto& e : entries(re.value, re.line, name + ": retry")) {
      if (e.key == "max_attempts") {
        auto v = number(e, what + "max_attempts");
        if (!v) continue;
        if (!v->is_number_integer() || v->get<std::int64_t>() < 1 ||
            v->get<std::int64_t>() > kMaxAttempts) {
          problem(e.value_line, what + "max_attempts must be a whole number from 1 to " +
                                    std::to_string(kMaxAttempts));
        } else {
          r.max_attempts = v->get<int>();
        }
      } else if (e.key == "initial_delay") {
        if (auto d = duration(e, what + "initial_delay")) {
          if (d->count() < 1 || *d > kMaxRetryDelay) {
            problem(e.value_line, what + "initial_delay must be from 1ms to 1d");
          } else {
            r.initial_delay = *d;
          }
        }
      } else if (e.key == "max_delay") {
        max_delay_line = e.value_line;
        explicit_max_delay = true;
        if (auto d = duration(e, what + "max_delay")) {
          if (d->count() < 1 || *d > kMaxRetryDelay) {
            problem(e.value_line, what + "max_delay must be from 1ms to 1d");
            explicit_max_delay = false;
          } else {
            r.max_delay = *d;
          }
        } else {
          explicit_max_delay = false;
        }
      } else if (e.key == "multiplier") {
        auto v = number(e, what + "multiplier");
        if (!v) continue;
        const double m = v->get<double>();
        if (!(m >= 1.0 && m <= 10.0)) {
          problem(e.value_line, what + "multiplier must be from 1 to 10");
        } else {
          r.multiplier = m;
        }
      } else if (e.key == "jitter") {
        auto v = number(e, what + "jitter");
        if (!v) continue;
        const double j = v->get<double>();
        if (!(j >= 0.0 && j <= 1.0)) {
          problem(e.value_line, what + "jitter must be from 0 to 1");
        } else {
          r.jitter = j;
        }
      } else if (e.key == "on") {
        parse_retry_on(e, what, r);
      } else {
        unknown_key(e, kKeys, name + ": retry");
      }
    }
    if (explicit_max_delay && r.max_delay < r.initial_delay) {
      problem(max_delay_line, what + "max_delay (" + text::format_duration(r.max_delay) +
                                  ") is shorter than initial_delay (" +
                                  text::format_duration(r.initial_delay) + ")");
    }
  }

  void parse_retry_on(const Entry& e, const std::string& what, RetryPolicy& r) {
    std::vector<std::string> names;
    for (int i = 0; i <= static_cast<int>(sdk::ErrorCode::kInternal); ++i) {
      names.emplace_back(sdk::to_string(static_cast<sdk::ErrorCode>(i)));
    }
    if (!e.value.IsSequence()) {
      problem(e.value_line, what +
                                "on must be a list of error codes, e.g. [unavailable, "
                                "deadline_exceeded]");
      return;
    }
    for (const auto& item : e.value) {
      const int line = line_of(item, e.line);
      if (!item.IsScalar()) {
        problem(line, what + "on: each item must be an error code name");
        continue;
      }
      const std::string code = item.Scalar();
      if (std::find(names.begin(), names.end(), code) == names.end()) {
        problem(line, what + "on: unknown error code '" + code + "'" +
                          text::did_you_mean(code, names) + " (expected one of " +
                          text::join(names) + ")");
        continue;
      }
      r.on.push_back(sdk::error_code_from_string(code));
    }
  }

  void parse_on_failure(const Entry& e, const std::string& name, OnFailure& f) {
    f.line = e.line;
    const std::string form =
        name + ": on_failure must be fail, continue or {compensate: <compensation id>}";
    if (e.value.IsScalar()) {
      const std::string v = e.value.Scalar();
      if (v == "fail") {
        f.action = FailureAction::kFail;
      } else if (v == "continue") {
        f.action = FailureAction::kContinue;
      } else if (v == "compensate") {
        problem(e.value_line, name +
                                  ": compensate needs the compensation to run: on_failure: "
                                  "{compensate: <compensation id>}");
      } else {
        problem(e.value_line, name + ": unknown on_failure '" + v + "'" +
                                  text::did_you_mean(v, {"fail", "continue", "compensate"}) +
                                  "; expected fail, continue or {compensate: <compensation id>}");
      }
      return;
    }
    if (!e.value.IsMap()) {
      problem(e.value_line, form);
      return;
    }
    auto all = entries(e.value, e.line, name + ": on_failure");
    if (all.size() != 1 || all[0].key != "compensate") {
      problem(e.value_line, form);
      return;
    }
    if (auto v = scalar(all[0], name + ": on_failure.compensate")) {
      f.action = FailureAction::kCompensate;
      f.compensation = *v;
      f.line = all[0].value_line;
    }
  }

  int event_line() const { return event_line_; }

 private:
  std::string file_;
  std::vector<FileProblem>& problems_;
  int event_line_ = 0;
};

}  // namespace

WorkflowDefinition parse_document(std::string_view text, const std::string& file,
                                  std::vector<FileProblem>& problems, bool& parsed_document) {
  WorkflowDefinition d;
  d.file = file;
  parsed_document = false;
  if (auto over = config::check_yaml_budget(text)) {
    problems.push_back({file, over->line, over->message});
    return d;
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    problems.push_back({file, line, "not valid YAML: " + e.msg});
    return d;
  }
  if (!root.IsDefined() || root.IsNull()) {
    problems.push_back({file, 1,
                        "the file is empty; a workflow needs name, version, trigger "
                        "and steps"});
    return d;
  }
  if (!root.IsMap()) {
    problems.push_back({file, DocumentParser::line_of(root, 1),
                        "a workflow file is a mapping with name, version, trigger and steps"});
    return d;
  }
  try {
    DocumentParser parser(file, problems);
    parser.parse_top(root, d);
    if (d.trigger.kind == TriggerKind::kEvent && parser.event_line() > 0) {
      d.trigger.line = parser.event_line();
    }
  } catch (const YAML::Exception& e) {
    const int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    problems.push_back({file, line, "could not read the YAML: " + e.msg});
    return d;
  }
  parsed_document = true;
  return d;
}

}  // namespace wasl::workflow
