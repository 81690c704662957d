#include "hub/audit/audit_json.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

namespace wasl::audit {

using nlohmann::json;

namespace {

json text_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json detail_or_null(const std::string& detail) {
  if (detail.empty()) return nullptr;
  auto parsed = json::parse(detail, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return detail;  // edited rows still render; verify flags them
  return parsed;
}

std::string_view verb_of(std::string_view action) {
  auto dot = action.rfind('.');
  return dot == std::string_view::npos ? action : action.substr(dot + 1);
}

// C/R/U/D/E for the verb of an action.
std::string_view fhir_action(std::string_view action) {
  std::string_view verb = verb_of(action);
  static constexpr std::array<std::string_view, 2> kCreate = {"create", "submit"};
  static constexpr std::array<std::string_view, 5> kRead = {"read", "list", "search", "download",
                                                            "export"};
  static constexpr std::array<std::string_view, 7> kUpdate = {
      "update", "admit", "cancel", "deploy", "revoke", "rotate", "remove"};
  static constexpr std::array<std::string_view, 2> kDelete = {"delete", "purge"};
  for (auto v : kCreate)
    if (verb == v) return "C";
  for (auto v : kRead)
    if (verb == v) return "R";
  for (auto v : kUpdate)
    if (verb == v) return "U";
  for (auto v : kDelete)
    if (verb == v) return "D";
  return "E";
}

// The restful-interaction code for a verb, or empty.
std::string_view restful_interaction(std::string_view action) {
  std::string_view verb = verb_of(action);
  if (verb == "create") return "create";
  if (verb == "read" || verb == "download") return "read";
  if (verb == "list" || verb == "search") return "search-type";
  if (verb == "update") return "update";
  if (verb == "delete") return "delete";
  return {};
}

// agent.who of the event's actor (see to_fhir()).
json fhir_who(const std::string& actor, const PersonNames& names) {
  constexpr std::string_view kApiKey = "apikey:";
  if (auto person = person_of_actor(actor); !person.empty()) {
    json who = {{"identifier", {{"system", "urn:wasl:person"}, {"value", person}}}};
    if (auto name = names.find(std::string(person)); name != names.end()) {
      who["display"] = name->second;
    }
    return who;
  }
  if (actor.size() > kApiKey.size() && actor.compare(0, kApiKey.size(), kApiKey) == 0) {
    return {
        {"identifier", {{"system", "urn:wasl:apikey"}, {"value", actor.substr(kApiKey.size())}}}};
  }
  return {{"identifier", {{"system", "urn:wasl:actor"}, {"value", actor}}}};
}

std::string_view fhir_outcome(std::string_view outcome) {
  if (outcome == kOutcomeSuccess) return "0";
  if (outcome == kOutcomeDenied) return "4";
  return "8";
}

}  // namespace

std::string format_rfc3339_ms(std::int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds(epoch_ms)};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  std::array<char, 40> buf{};
  std::snprintf(buf.data(), buf.size(), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return buf.data();
}

std::vector<std::string> person_ids(const AuditPage& page) {
  std::vector<std::string> ids;
  for (const auto& e : page.events) {
    if (auto person = person_of_actor(e.event.actor); !person.empty()) ids.emplace_back(person);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

json to_json(const StoredAuditEvent& event, const PersonNames& names) {
  const AuditEvent& e = event.event;
  json out{{"seq", event.seq},
           {"occurred_at", format_rfc3339_ms(e.occurred_at)},
           {"actor", e.actor},
           {"facility_id", text_or_null(e.facility_id)},
           {"action", e.action},
           {"entity_type", text_or_null(e.entity_type)},
           {"entity_id", text_or_null(e.entity_id)},
           {"outcome", e.outcome},
           {"request_id", text_or_null(e.request_id)},
           {"source_address", text_or_null(e.source_address)},
           {"detail", detail_or_null(e.detail)},
           {"prev_hash", event.prev_hash},
           {"hash", event.hash},
           {"session", text_or_null(e.session)}};
  if (auto person = person_of_actor(e.actor); !person.empty()) {
    auto name = names.find(std::string(person));
    out["actor_name"] = name == names.end() ? json(nullptr) : json(name->second);
  }
  return out;
}

json to_json(const AuditPage& page, const PersonNames& names) {
  json items = json::array();
  for (const auto& e : page.events) items.push_back(to_json(e, names));
  return json{{"items", std::move(items)},
              {"next_cursor", page.next_cursor ? json(*page.next_cursor) : json(nullptr)}};
}

json to_fhir(const StoredAuditEvent& event, std::string_view observer, const PersonNames& names) {
  const AuditEvent& e = event.event;
  const bool authentication = e.action.rfind("auth.", 0) == 0;

  json out;
  out["resourceType"] = "AuditEvent";
  out["id"] = std::to_string(event.seq);
  if (authentication) {
    out["type"] = {{"system", "http://dicom.nema.org/resources/ontology/DCM"},
                   {"code", "110114"},
                   {"display", "User Authentication"}};
  } else {
    out["type"] = {{"system", "http://terminology.hl7.org/CodeSystem/audit-event-type"},
                   {"code", "rest"},
                   {"display", "Restful Operation"}};
  }
  json subtype = json::array();
  subtype.push_back({{"system", "urn:wasl:audit-action"}, {"code", e.action}});
  if (auto code = restful_interaction(e.action); !authentication && !code.empty()) {
    subtype.push_back(
        {{"system", "http://hl7.org/fhir/restful-interaction"}, {"code", code}, {"display", code}});
  }
  out["subtype"] = std::move(subtype);
  out["action"] = fhir_action(e.action);
  out["recorded"] = format_rfc3339_ms(e.occurred_at);
  out["outcome"] = fhir_outcome(e.outcome);
  if (e.outcome != kOutcomeSuccess) out["outcomeDesc"] = e.outcome;

  json agent = {
      {"type",
       {{"coding", json::array({{{"system", "http://dicom.nema.org/resources/ontology/DCM"},
                                 {"code", "110153"},
                                 {"display", "Source Role ID"}}})}}},
      {"who", fhir_who(e.actor, names)},
      {"requestor", true}};
  if (!e.source_address.empty()) {
    // type 2: IP address (network-type value set).
    agent["network"] = {{"address", e.source_address}, {"type", "2"}};
  }
  out["agent"] = json::array({std::move(agent)});

  json source = {
      {"observer", {{"identifier", {{"value", std::string(observer)}}}}},
      {"type",
       json::array({{{"system", "http://terminology.hl7.org/CodeSystem/security-source-type"},
                     {"code", "4"},
                     {"display", "Application Server"}}})}};
  if (!e.facility_id.empty()) source["site"] = e.facility_id;
  out["source"] = std::move(source);

  if (!e.entity_type.empty() || !e.request_id.empty() || !e.session.empty()) {
    json entity = {{"type",
                    {{"system", "http://terminology.hl7.org/CodeSystem/audit-entity-type"},
                     {"code", "2"},
                     {"display", "System Object"}}}};
    if (!e.entity_type.empty()) {
      json identifier = {{"system", "urn:wasl:entity:" + e.entity_type}};
      if (!e.entity_id.empty()) identifier["value"] = e.entity_id;
      entity["what"] = {{"identifier", std::move(identifier)}};
    }
    json details = json::array();
    if (!e.request_id.empty()) {
      details.push_back({{"type", "request-id"}, {"valueString", e.request_id}});
    }
    if (!e.session.empty()) details.push_back({{"type", "session"}, {"valueString", e.session}});
    if (!e.detail.empty()) details.push_back({{"type", "detail"}, {"valueString", e.detail}});
    if (!details.empty()) entity["detail"] = std::move(details);
    out["entity"] = json::array({std::move(entity)});
  }
  return out;
}

json to_fhir_bundle(const AuditPage& page, std::string_view observer, std::string_view next_url,
                    const PersonNames& names) {
  json entries = json::array();
  for (const auto& e : page.events) {
    entries.push_back({{"resource", to_fhir(e, observer, names)}});
  }
  json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", std::move(entries)}};
  if (!next_url.empty() && page.next_cursor) {
    bundle["link"] = json::array({{{"relation", "next"}, {"url", std::string(next_url)}}});
  }
  return bundle;
}

}  // namespace wasl::audit
