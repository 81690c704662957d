#include "plugins/hl7v2/mapping.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "plugins/hl7v2/hl7_time.hpp"
#include "wasl/sdk/timestamp.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using nlohmann::json;

AckError ack_error(std::string_view code, std::string location, std::string text) {
  return AckError{std::string(code), std::move(location), std::move(text)};
}

// Er7Message::value with the HL7 null ("", two quotes: "delete the value")
// read as empty: the plugin keeps no value for it either way.
std::string value_of(const Er7Message& m, std::string_view segment, int field, int component = 1,
                     int subcomponent = 1, std::size_t repetition = 0, std::size_t occurrence = 0) {
  std::string out = m.value(segment, field, component, subcomponent, repetition, occurrence);
  if (out == "\"\"") out.clear();
  return out;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Words joined by one space, empty ones left out.
std::string join_words(std::initializer_list<std::string> words) {
  std::string out;
  for (const auto& word : words) {
    if (word.empty()) continue;
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

// ---- identifiers -----------------------------------------------------------

// One CX repetition: its id (CX.1), authority (CX.4.1) and type (CX.5).
struct Cx {
  std::string id;
  std::string authority;
  std::string type;
};

std::vector<Cx> cx_list(const Er7Message& m, std::string_view segment, int field,
                        std::size_t occurrence) {
  std::vector<Cx> out;
  const std::size_t n = m.repetitions(segment, field, occurrence);
  for (std::size_t r = 0; r < n; ++r) {
    Cx cx{value_of(m, segment, field, 1, 1, r, occurrence),
          value_of(m, segment, field, 4, 1, r, occurrence),
          value_of(m, segment, field, 5, 1, r, occurrence)};
    if (!cx.id.empty()) out.push_back(std::move(cx));
  }
  return out;
}

json v2_0203_type(const std::string& type) {
  return {{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/v2-0203"},
                                   {"code", type}}})}};
}

// ---- names, gender, phone, language ----------------------------------------

struct PersonName {
  std::string family;
  std::string given;  // given and further given names, space separated
  std::string prefix;
  std::string use;  // XPN.7
};

// XPN repetition `r` of `segment`-`field`.
PersonName xpn(const Er7Message& m, std::string_view segment, int field, std::size_t r,
               std::size_t occurrence) {
  return PersonName{value_of(m, segment, field, 1, 1, r, occurrence),
                    join_words({value_of(m, segment, field, 2, 1, r, occurrence),
                                value_of(m, segment, field, 3, 1, r, occurrence)}),
                    value_of(m, segment, field, 5, 1, r, occurrence),
                    value_of(m, segment, field, 7, 1, r, occurrence)};
}

std::string fhir_name_use(const std::string& type) {
  if (type == "L") return "official";
  if (type == "D") return "usual";
  if (type == "A") return "nickname";
  if (type == "M") return "maiden";
  return "";
}

// Table 0001 -> FHIR administrative gender; std::nullopt for a value not in it.
std::optional<std::string> fhir_gender(const std::string& sex) {
  const std::string s = upper(sex);
  if (s.empty()) return std::string();
  if (s == "M") return std::string("male");
  if (s == "F") return std::string("female");
  if (s == "O" || s == "A") return std::string("other");
  if (s == "U" || s == "N") return std::string("unknown");
  return std::nullopt;
}

// One XTN repetition as a phone number: XTN.12 (unformatted), else
// "+<country><area><local>" from XTN.5-7, else XTN.1; "" for e-mail
// addresses and empty repetitions.
std::string xtn_phone(const Er7Message& m, std::string_view segment, int field, std::size_t r,
                      std::size_t occurrence) {
  auto at = [&](int component) { return value_of(m, segment, field, component, 1, r, occurrence); };
  const std::string use = upper(at(2));
  const std::string equipment = upper(at(3));
  if (use == "NET" || equipment == "INTERNET" || equipment == "X.400") return {};
  if (std::string unformatted = at(12); !unformatted.empty()) return unformatted;
  if (const std::string local = at(7); !local.empty()) {
    const std::string country = at(5);
    return (country.empty() ? std::string() : "+" + country) + at(6) + local;
  }
  return at(1);
}

// PID-13's phone: the first cellular number (XTN.3 CP), else the first number.
std::string patient_phone(const Er7Message& m, std::size_t occurrence) {
  const std::size_t n = m.repetitions("PID", 13, occurrence);
  std::string first;
  for (std::size_t r = 0; r < n; ++r) {
    std::string phone = xtn_phone(m, "PID", 13, r, occurrence);
    if (phone.empty()) continue;
    if (upper(value_of(m, "PID", 13, 3, 1, r, occurrence)) == "CP") return phone;
    if (first.empty()) first = std::move(phone);
  }
  return first;
}

// PID-15 (CE: ISO 639 code, or a three-letter code) as a BCP 47 tag; ""
// for a value that is not a language tag.
std::string bcp47_language(std::string code) {
  static constexpr std::pair<std::string_view, std::string_view> kThreeLetter[] = {
      {"ara", "ar"}, {"eng", "en"}, {"urd", "ur"}, {"hin", "hi"}, {"ben", "bn"}, {"fra", "fr"},
      {"fre", "fr"}, {"tgl", "tl"}, {"ind", "id"}, {"tam", "ta"}, {"mal", "ml"}, {"per", "fa"},
      {"fas", "fa"}, {"tur", "tr"}, {"spa", "es"}, {"deu", "de"}, {"ger", "de"}, {"som", "so"},
      {"amh", "am"}, {"nep", "ne"}, {"pus", "ps"}, {"swa", "sw"}, {"tha", "th"}, {"zho", "zh"},
      {"chi", "zh"}, {"rus", "ru"}, {"msa", "ms"}, {"may", "ms"}, {"pan", "pa"}, {"tel", "te"}};
  std::replace(code.begin(), code.end(), '_', '-');
  const std::size_t dash = code.find('-');
  std::string primary = lower(code.substr(0, dash));
  for (const auto& [three, two] : kThreeLetter) {
    if (primary == three) primary = std::string(two);
  }
  if (primary.size() < 2 || primary.size() > 3 ||
      !std::all_of(primary.begin(), primary.end(),
                   [](unsigned char c) { return std::isalpha(c); })) {
    return {};
  }
  if (dash == std::string::npos) return primary;
  const std::string rest = code.substr(dash);
  if (rest.size() > 30 || !std::all_of(rest.begin(), rest.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-';
      })) {
    return primary;
  }
  return primary + rest;
}

// ---- appointments ----------------------------------------------------------

// A duration `amount` in `units` (an ISO+/ANSI unit code or its text) as
// milliseconds; std::nullopt for a unit this does not know. Empty units are
// minutes, the standard's default for SCH-9 and AIS-7.
std::optional<std::int64_t> duration_ms(std::int64_t amount, const std::string& units) {
  const std::string u = upper(units);
  std::int64_t scale = 0;
  if (u.empty() || u == "MIN" || u == "M" || u == "MINUTE" || u == "MINUTES") scale = 60000;
  if (u == "S" || u == "SEC" || u == "SECOND" || u == "SECONDS") scale = 1000;
  if (u == "H" || u == "HR" || u == "HOUR" || u == "HOURS") scale = 3600000;
  if (u == "D" || u == "DAY" || u == "DAYS") scale = 86400000;
  if (scale == 0) return std::nullopt;
  return amount * scale;
}

// SCH-25 (table 0278) as a FHIR AppointmentStatus; "" when not in the table.
std::string filler_status(const std::string& code) {
  const std::string c = upper(code);
  if (c == "BOOKED" || c == "OVERBOOK") return "booked";
  if (c == "PENDING") return "pending";
  if (c == "WAITLIST") return "waitlist";
  if (c == "STARTED") return "arrived";
  if (c == "COMPLETE") return "fulfilled";
  if (c == "CANCELLED" || c == "DC" || c == "DELETED") return "cancelled";
  if (c == "NOSHOW") return "noshow";
  return {};
}

// A time field read for the appointment: where it came from and its text.
struct TimeField {
  std::string text;
  std::string location;
};

}  // namespace

std::string error_location(std::string_view segment, int field, int component,
                           std::size_t occurrence) {
  std::string out =
      std::string(segment) + "^" + std::to_string(occurrence + 1) + "^" + std::to_string(field);
  if (component > 0) out += "^1^" + std::to_string(component);
  return out;
}

bool is_resource_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '.'; });
}

std::string identifier_system(const Hl7v2Settings& settings, std::string_view authority,
                              std::string_view type) {
  const std::string a(authority), t(type);
  for (const std::string& key : {a + "^" + t, a + "^", "^" + t}) {
    if (key == "^") continue;
    if (auto it = settings.identifier_systems.find(key); it != settings.identifier_systems.end()) {
      return it->second;
    }
  }
  return {};
}

Mapped<std::string> patient_id(const Er7Message& message, const Hl7v2Settings& settings,
                               std::string_view segment, int field, std::size_t occurrence) {
  const std::vector<Cx> list = cx_list(message, segment, field, occurrence);
  const std::string location = error_location(segment, field, 0, occurrence);
  const Cx* chosen = nullptr;
  for (const Cx& cx : list) {
    if (upper(cx.type) == upper(settings.patient_id_from)) {
      chosen = &cx;
      break;
    }
  }
  if (chosen == nullptr && list.size() == 1 && list.front().type.empty()) chosen = &list.front();
  if (chosen == nullptr) {
    return ack_error(kRequiredFieldMissing, location,
                     "no identifier of type " + settings.patient_id_from + " in " +
                         std::string(segment) + "-" + std::to_string(field));
  }
  if (!is_resource_id(chosen->id)) {
    return ack_error(kDataTypeError, location,
                     "the patient identifier is not usable as an id (letters, digits, '-', "
                     "'.'; at most 64)");
  }
  return chosen->id;
}

Mapped<sdk::PatientSummary> map_patient(const Er7Message& message, const Hl7v2Settings& settings,
                                        std::size_t occurrence) {
  if (message.occurrences("PID") <= occurrence) {
    return ack_error(kSegmentSequenceError, "PID", "the message has no PID segment");
  }
  auto id = patient_id(message, settings, "PID", 3, occurrence);
  if (!id.ok()) return id.error();
  sdk::PatientSummary out;
  out.id = std::move(id).value();
  json raw = {{"resourceType", "Patient"}, {"id", out.id}, {"identifier", json::array()}};
  for (const Cx& cx : cx_list(message, "PID", 3, occurrence)) {
    sdk::Identifier identifier{identifier_system(settings, cx.authority, cx.type), cx.id};
    json entry = {{"value", cx.id}};
    if (!identifier.system.empty()) entry["system"] = identifier.system;
    if (!cx.type.empty()) entry["type"] = v2_0203_type(cx.type);
    raw["identifier"].push_back(std::move(entry));
    out.identifiers.push_back(std::move(identifier));
  }

  const std::size_t names = message.repetitions("PID", 5, occurrence);
  std::optional<PersonName> chosen;
  json raw_names = json::array();
  for (std::size_t r = 0; r < names; ++r) {
    PersonName name = xpn(message, "PID", 5, r, occurrence);
    if (name.family.empty() && name.given.empty()) continue;
    json entry = json::object();
    if (!name.family.empty()) entry["family"] = name.family;
    if (!name.given.empty()) entry["given"] = json::array({name.given});
    if (!name.prefix.empty()) entry["prefix"] = json::array({name.prefix});
    if (std::string use = fhir_name_use(name.use); !use.empty()) entry["use"] = use;
    raw_names.push_back(std::move(entry));
    if (!chosen || (chosen->use != "L" && name.use == "L")) chosen = std::move(name);
  }
  if (chosen) {
    out.family_name = chosen->family;
    out.given_name = chosen->given;
  }
  if (!raw_names.empty()) raw["name"] = std::move(raw_names);

  if (const std::string birth = value_of(message, "PID", 7, 1, 1, 0, occurrence); !birth.empty()) {
    auto date = hl7_date_to_fhir(birth);
    if (!date) {
      return ack_error(kDataTypeError, error_location("PID", 7, 0, occurrence),
                       "PID-7 is not an HL7 date");
    }
    out.birth_date = *date;
    raw["birthDate"] = out.birth_date;
  }
  auto gender = fhir_gender(value_of(message, "PID", 8, 1, 1, 0, occurrence));
  if (!gender) {
    return ack_error(kTableValueNotFound, error_location("PID", 8, 0, occurrence),
                     "PID-8 is not a value of HL7 table 0001 (F, M, O, U, A, N)");
  }
  out.gender = *gender;
  if (!out.gender.empty()) raw["gender"] = out.gender;
  out.phone = patient_phone(message, occurrence);
  if (!out.phone.empty()) {
    raw["telecom"] = json::array({{{"system", "phone"}, {"value", out.phone}}});
  }
  std::string language = value_of(message, "PID", 15, 1, 1, 0, occurrence);
  out.language = bcp47_language(language);
  if (!out.language.empty()) {
    const json coding = {{"system", "urn:ietf:bcp:47"}, {"code", out.language}};
    raw["communication"] = json::array({{{"language", {{"coding", json::array({coding})}}}}});
  }
  out.raw = std::move(raw);
  return out;
}

Mapped<std::optional<sdk::PractitionerSummary>> map_practitioner(const Er7Message& message,
                                                                 const Hl7v2Settings& settings) {
  std::string_view segment = "AIP";
  int field = 3;
  if (value_of(message, "AIP", 3).empty()) {
    segment = "PV1";
    field = 7;
  }
  const std::string id = value_of(message, segment, field);
  if (id.empty()) return std::optional<sdk::PractitionerSummary>();
  if (!is_resource_id(id)) {
    return ack_error(kDataTypeError, error_location(segment, field, 1),
                     "the practitioner identifier is not usable as an id (letters, digits, "
                     "'-', '.'; at most 64)");
  }
  sdk::PractitionerSummary out;
  out.id = id;
  const std::string family = value_of(message, segment, field, 2);
  const std::string given =
      join_words({value_of(message, segment, field, 3), value_of(message, segment, field, 4)});
  out.name = join_words({value_of(message, segment, field, 6), given, family});
  const std::string authority = value_of(message, segment, field, 9);
  const std::string type = value_of(message, segment, field, 13);
  const std::string system = identifier_system(settings, authority, type);
  if (!system.empty()) out.identifiers.push_back(sdk::Identifier{system, id});
  json raw = {{"resourceType", "Practitioner"}, {"id", id}};
  json name = json::object();
  if (!family.empty()) name["family"] = family;
  if (!given.empty()) name["given"] = json::array({given});
  if (!name.empty()) raw["name"] = json::array({name});
  if (!system.empty()) raw["identifier"] = json::array({{{"system", system}, {"value", id}}});
  out.raw = std::move(raw);
  return std::optional<sdk::PractitionerSummary>(std::move(out));
}

Mapped<sdk::Appointment> map_appointment(const Er7Message& message, std::string_view trigger,
                                         const Hl7v2Settings& settings) {
  if (message.occurrences("SCH") == 0) {
    return ack_error(kSegmentSequenceError, "SCH", "the message has no SCH segment");
  }
  sdk::Appointment out;
  const std::string filler = value_of(message, "SCH", 2);
  const std::string placer = value_of(message, "SCH", 1);
  out.id = !filler.empty() ? filler : placer;
  const std::string id_location = error_location("SCH", filler.empty() ? 1 : 2, 1);
  if (out.id.empty()) {
    return ack_error(kRequiredFieldMissing, error_location("SCH", 2, 1),
                     "the appointment has neither a filler (SCH-2) nor a placer (SCH-1) id");
  }
  if (!is_resource_id(out.id)) {
    return ack_error(kDataTypeError, id_location,
                     "the appointment id is not usable as an id (letters, digits, '-', '.'; "
                     "at most 64)");
  }

  if (trigger == "S15" || trigger == "S17") {
    out.status = "cancelled";
  } else if (trigger == "S26") {
    out.status = "noshow";
  } else {
    out.status = "booked";
    if (const std::string code = value_of(message, "SCH", 25); !code.empty()) {
      if (std::string status = filler_status(code); !status.empty()) out.status = status;
    }
  }

  TimeField start;
  for (TimeField candidate :
       {TimeField{value_of(message, "SCH", 11, 4), error_location("SCH", 11, 4)},
        TimeField{value_of(message, "TQ1", 7), error_location("TQ1", 7)},
        TimeField{value_of(message, "AIS", 4), error_location("AIS", 4)}}) {
    if (!candidate.text.empty()) {
      start = std::move(candidate);
      break;
    }
  }
  const bool booking = trigger == "S12" || trigger == "S13" || trigger == "S14";
  if (start.text.empty() && booking) {
    return ack_error(kRequiredFieldMissing, error_location("SCH", 11, 4),
                     "the appointment has no start (SCH-11.4, TQ1-7 or AIS-4)");
  }
  if (!start.text.empty()) {
    auto start_ms = parse_hl7_time(start.text, settings.time_zone_offset_minutes);
    if (!start_ms) {
      return ack_error(kDataTypeError, start.location, "the appointment start is not an HL7 time");
    }
    out.start_ms = *start_ms;
    std::int64_t length = std::int64_t{settings.default_duration_minutes} * 60000;
    for (const auto& [segment, field] : {std::pair<std::string_view, int>{"SCH", 9}, {"AIS", 7}}) {
      const std::string amount = value_of(message, segment, field);
      if (amount.empty()) continue;
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(amount.data(), amount.data() + amount.size(), n);
      if (ec != std::errc() || end != amount.data() + amount.size() || n < 0 || n > 100000) {
        return ack_error(kDataTypeError, error_location(segment, field),
                         "the appointment duration is not a whole number");
      }
      std::string units = value_of(message, segment, field + 1, 1);
      auto ms = duration_ms(n, units);
      if (const std::string text = value_of(message, segment, field + 1, 2); !ms && !text.empty()) {
        ms = duration_ms(n, text);
      }
      if (!ms) {
        return ack_error(kTableValueNotFound, error_location(segment, field + 1),
                         "the duration's units are not known (minutes, hours, seconds, days)");
      }
      length = *ms;
      break;
    }
    out.end_ms = out.start_ms + length;
  }

  out.service_type = value_of(message, "AIS", 3, 1);
  if (out.service_type.empty()) out.service_type = value_of(message, "AIS", 3, 2);
  if (message.occurrences("PID") > 0) {
    auto patient = patient_id(message, settings, "PID", 3);
    if (!patient.ok()) return patient.error();
    out.patient_id = std::move(patient).value();
  }
  auto practitioner = map_practitioner(message, settings);
  if (!practitioner.ok()) return practitioner.error();
  if (practitioner.value()) out.practitioner_id = practitioner.value()->id;

  json raw = {{"resourceType", "Appointment"},
              {"id", out.id},
              {"status", out.status},
              {"participant", json::array()}};
  json identifiers = json::array();
  if (!placer.empty()) identifiers.push_back({{"use", "usual"}, {"value", placer}});
  if (!filler.empty()) identifiers.push_back({{"use", "official"}, {"value", filler}});
  raw["identifier"] = std::move(identifiers);
  if (out.start_ms != 0) {
    raw["start"] = sdk::format_iso8601(out.start_ms);
    raw["end"] = sdk::format_iso8601(out.end_ms);
  }
  if (!out.service_type.empty()) {
    raw["serviceType"] = json::array({{{"coding", json::array({{{"code", out.service_type}}})}}});
  }
  if (!out.patient_id.empty()) {
    raw["participant"].push_back({{"actor", {{"reference", "Patient/" + out.patient_id}}}});
  }
  if (!out.practitioner_id.empty()) {
    raw["participant"].push_back(
        {{"actor", {{"reference", "Practitioner/" + out.practitioner_id}}}});
  }
  out.raw = std::move(raw);
  return out;
}

std::string coverage_status(const sdk::Coverage& coverage, std::int64_t now_ms) {
  return coverage.period_end_ms != 0 && coverage.period_end_ms < now_ms ? "cancelled" : "active";
}

Mapped<std::vector<sdk::Coverage>> map_coverages(const Er7Message& message,
                                                 const std::string& patient_id,
                                                 const Hl7v2Settings& settings,
                                                 std::int64_t now_ms) {
  std::vector<sdk::Coverage> out;
  const std::size_t count = message.occurrences("IN1");
  for (std::size_t i = 0; i < count; ++i) {
    sdk::Coverage coverage;
    coverage.patient_id = patient_id;
    coverage.plan = value_of(message, "IN1", 2, 1, 1, 0, i);
    if (coverage.plan.empty()) coverage.plan = value_of(message, "IN1", 2, 2, 1, 0, i);
    coverage.payer_id = value_of(message, "IN1", 3, 1, 1, 0, i);
    coverage.policy_number = value_of(message, "IN1", 36, 1, 1, 0, i);
    coverage.member_id = value_of(message, "IN1", 49, 1, 1, 0, i);
    if (coverage.member_id.empty()) coverage.member_id = coverage.policy_number;
    // An IN1 without an insurance company (the standard's examples send
    // IN1|2|""|"") carries no coverage.
    if (coverage.payer_id.empty()) continue;
    for (const auto& [field, target] :
         {std::pair<int, std::int64_t*>{12, &coverage.period_start_ms},
          {13, &coverage.period_end_ms}}) {
      const std::string date_text = value_of(message, "IN1", field, 1, 1, 0, i);
      if (date_text.empty()) continue;
      auto date = hl7_date_to_fhir(date_text);
      auto ms =
          date ? parse_hl7_time(date_text.substr(0, std::min<std::size_t>(date_text.size(), 8)),
                                settings.time_zone_offset_minutes)
               : std::nullopt;
      if (!ms) {
        return ack_error(kDataTypeError, error_location("IN1", field, 0, i),
                         "IN1-" + std::to_string(field) + " is not an HL7 date");
      }
      // The expiration date is the last day covered: its end.
      *target = field == 13 ? *ms + 86400000 - 1 : *ms;
    }
    coverage.id = sdk::name_based_uuid("hl7v2-coverage|" + patient_id + "|" + coverage.plan + "|" +
                                       coverage.payer_id + "|" + coverage.policy_number);
    coverage.status = coverage_status(coverage, now_ms);
    json raw = {{"resourceType", "Coverage"},
                {"id", coverage.id},
                {"beneficiary", {{"reference", "Patient/" + patient_id}}},
                {"payor", json::array({{{"identifier", {{"value", coverage.payer_id}}}}})}};
    if (!coverage.member_id.empty()) raw["subscriberId"] = coverage.member_id;
    if (const std::string name = value_of(message, "IN1", 4, 1, 1, 0, i); !name.empty()) {
      raw["payor"][0]["display"] = name;
    }
    json period = json::object();
    if (coverage.period_start_ms != 0) {
      period["start"] =
          sdk::format_iso8601_date(coverage.period_start_ms, settings.time_zone_offset_minutes);
    }
    if (coverage.period_end_ms != 0) {
      period["end"] =
          sdk::format_iso8601_date(coverage.period_end_ms, settings.time_zone_offset_minutes);
    }
    if (!period.empty()) raw["period"] = std::move(period);
    coverage.raw = std::move(raw);
    out.push_back(std::move(coverage));
  }
  return out;
}

Mapped<std::vector<PatientMerge>> map_merges(const Er7Message& message,
                                             const Hl7v2Settings& settings) {
  std::vector<PatientMerge> out;
  const std::size_t groups = message.occurrences("MRG");
  if (groups == 0) {
    return ack_error(kSegmentSequenceError, "MRG", "the merge has no MRG segment");
  }
  if (message.occurrences("PID") < groups) {
    return ack_error(kSegmentSequenceError, "PID", "every MRG must follow its PID");
  }
  for (std::size_t g = 0; g < groups; ++g) {
    auto patient = map_patient(message, settings, g);
    if (!patient.ok()) return patient.error();
    auto prior = patient_id(message, settings, "MRG", 1, g);
    if (!prior.ok()) return prior.error();
    if (prior.value() == patient.value().id) {
      return ack_error(kDataTypeError, error_location("MRG", 1, 0, g),
                       "MRG-1 names the patient it merges into");
    }
    out.push_back(PatientMerge{std::move(prior).value(), std::move(patient).value()});
  }
  return out;
}

}  // namespace wasl::plugins::hl7v2
