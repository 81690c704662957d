#include "plugins/nphies/outgoing_checks.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>

#include "plugins/nphies/fhir_elements.hpp"
#include "plugins/nphies/fhir_time.hpp"
#include "plugins/nphies/message_envelope.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"
#include "plugins/nphies/request_messages.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;

namespace {

constexpr OutgoingRule kRules[] = {
    {"message.depth", "No element nests deeper than 32 levels."},
    {"message.size", "The message is at most 10 MiB of JSON."},
    {"bundle.type", "The message is a Bundle of type message."},
    {"bundle.id", "Bundle.id is given: the exchange keys duplicates on it."},
    {"bundle.timestamp", "Bundle.timestamp is an instant (date, time and offset)."},
    {"header.first", "The first entry is the MessageHeader, with its id."},
    {"entry.full-url", "Every entry has a fullUrl."},
    {"entry.resource", "Every entry has a resource with its resourceType and id."},
    {"entry.full-url-unique", "No two entries share a fullUrl."},
    {"profile.name",
     "The Bundle and every resource carry in meta.profile nphies-fs StructureDefinitions only, "
     "one of them a profile of their type."},
    {"profile.version",
     "Every nphies-fs profile names the configured profile_version: one version per message."},
    {"header.event",
     "MessageHeader.eventCoding is a ksa-message-events request event a provider sends."},
    {"header.sender", "MessageHeader.sender is identified by a provider licence."},
    {"header.destination",
     "MessageHeader.destination[0] has an endpoint and a receiver identified by a payer licence "
     "(or NPHIES, for poll-request and acknowledgement)."},
    {"header.source", "MessageHeader.source.endpoint is given."},
    {"header.focus",
     "MessageHeader.focus[0] is the fullUrl of an entry of the type the event is about "
     "(acknowledgement and batch-request have none)."},
    {"header.response",
     "An acknowledgement's MessageHeader.response names the message acknowledged, code ok."},
    {"reference.resolves",
     "Every Reference.reference names an entry of the Bundle: its fullUrl, or Type/id at the end "
     "of one."},
    {"money.currency", "Every amount is in SAR."},
    {"patient.identifier",
     "A Patient has 1..* identifiers, each a national id, iqama, passport or border number with "
     "a value."},
    {"patient.gender",
     "A Patient's gender is male, female, other or unknown and carries "
     "extension-ksa-administrative-gender."},
    {"organization.licence",
     "A provider-organization carries a provider licence, an insurer-organization a payer "
     "licence."},
    {"coverage.required",
     "A Coverage has its status, its beneficiary (a Patient entry) and 1..* payors (Organization "
     "or Patient entries)."},
    {"encounter.required",
     "An Encounter has its status, its class (system and code) and its subject (a Patient "
     "entry)."},
    {"claim.identifier", "Claim.identifier is 1..*, each with a system and a value."},
    {"claim.status", "Claim.status is active."},
    {"claim.type",
     "Claim.type is institutional, oral, pharmacy, professional or vision of HL7 claim-type."},
    {"claim.subtype", "Claim.subType is ip, op or emr of NPHIES claim-subtype."},
    {"claim.use",
     "Claim.use is claim in a claim-request, preauthorization in a priorauth-request."},
    {"claim.profile",
     "The Claim's profile is <type>-claim or <type>-priorauth, as its type and use say."},
    {"claim.patient", "Claim.patient is a Patient entry."},
    {"claim.created", "Claim.created is a FHIR date or dateTime."},
    {"claim.priority", "Claim.priority is stat, normal or deferred of processpriority."},
    {"claim.payee", "Claim.payee.type is subscriber, provider or other of payeetype."},
    {"claim.care-team",
     "Claim.careTeam is 1..*, each with a positive sequence unique in the Claim and a "
     "Practitioner entry with a practitioner licence."},
    {"claim.diagnosis",
     "Claim.diagnosis is 1..*, each with a positive unique sequence, a code with its system and "
     "a diagnosis-type; one is principal."},
    {"claim.insurance",
     "Claim.insurance is 1..*, each with a positive unique sequence and a Coverage entry; "
     "exactly one is focal."},
    {"claim.item", "Claim.item is 1..*."},
    {"claim.item-sequence", "Every item has a positive sequence unique in the Claim."},
    {"claim.item-links",
     "An item's careTeamSequence, diagnosisSequence and informationSequence name careTeam, "
     "diagnosis and supportingInfo entries of the Claim."},
    {"claim.item-product",
     "An item's productOrService.coding[0] is a code of an NPHIES code system "
     "(http://nphies.sa/terminology/CodeSystem/…)."},
    {"claim.item-quantity", "An item's quantity.value is a number more than 0."},
    {"claim.item-net",
     "An item's unitPrice, tax (extension-tax) and net are amounts in SAR, at least 0, and net = "
     "quantity × unitPrice × factor (1 when absent) + tax, to the halala."},
    {"claim.total", "Claim.total is in SAR and is the sum of the items' net, to the halala."},
    {"claim.encounter",
     "Claim extension-encounter names an Encounter entry; a virtual one (class VR) carries "
     "encounter-auth-VR, and only it."},
    {"eligibility.required",
     "A CoverageEligibilityRequest has 1..* identifiers (system and value), status active, its "
     "patient (a Patient entry), created, servicedDate or servicedPeriod, and 1..* insurance "
     "naming Coverage entries."},
    {"eligibility.priority",
     "CoverageEligibilityRequest.priority, when given, is stat, normal or deferred of "
     "processpriority."},
    {"eligibility.purpose",
     "CoverageEligibilityRequest.purpose is 1..* of auxiliary-billing, benefits, discovery and "
     "validation."},
    {"task.required",
     "A Task has 1..* identifiers (system and value), status requested, intent order and "
     "authoredOn."},
    {"task.code",
     "Task.code is of NPHIES task-code: cancel or nullify in a cancel-request, status in a "
     "status-check, poll in a poll-request."},
    {"task.focus",
     "A cancel-request's or status-check's Task.focus names a Claim by identifier (system and "
     "value)."},
    {"task.owner", "A poll-request's Task.owner is NPHIES (its licence identifier)."},
    {"task.poll-input",
     "A poll-request's inputs are of task-input-type; a count is 1 to 100, a message type names "
     "an event."},
    {"communication.required",
     "A Communication has 1..* identifiers (system and value), sent, 1..* recipients and, when "
     "it answers one, basedOn naming a CommunicationRequest by identifier."},
    {"communication.status",
     "Communication.status is completed, or not-done with statusReason.text."},
    {"communication.about",
     "Communication.about is 1..*, each a Claim named by identifier (a value)."},
    {"communication.subject", "Communication.subject is a Patient entry."},
    {"communication.payload",
     "A completed Communication has 1..* payloads, each a text or an attachment."},
    {"communication.attachment",
     "An attachment is application/pdf or image/jpeg, its data base64 whose bytes begin as its "
     "type says, its size the decoded length."},
    {"payment-notice.required",
     "A PaymentNotice has 1..* identifiers (system and value), status active, created, the "
     "payment (a reference or an identifier) and an amount in SAR of at least 0."},
    {"payment-notice.payment-status", "PaymentNotice.paymentStatus is cleared of paymentstatus."},
    {"party.provider",
     "The focal resource's provider (Claim and CoverageEligibilityRequest provider, Task "
     "requester, Communication sender, PaymentNotice provider) is the Organization with the "
     "MessageHeader sender's provider licence."},
    {"party.insurer",
     "The focal resource's insurer (Claim and CoverageEligibilityRequest insurer, cancel-request "
     "and status-check Task owner, Communication recipient, PaymentNotice recipient) is the "
     "Organization with the MessageHeader receiver's payer licence."},
    {"batch.size", "A batch-request carries 1 to 200 claim-request messages."},
    {"batch.entry",
     "A message inside a batch-request is a claim-request from the batch's sender to its "
     "receiver."},
};

// ---- vocabulary --------------------------------------------------------------

using Codes = std::span<const std::string_view>;

constexpr std::array<std::string_view, 5> kClaimTypes = {"institutional", "oral", "pharmacy",
                                                         "professional", "vision"};
constexpr std::array<std::string_view, 3> kClaimSubtypes = {"ip", "op", "emr"};
constexpr std::array<std::string_view, 3> kPriorities = {"stat", "normal", "deferred"};
constexpr std::array<std::string_view, 3> kPayeeTypes = {"subscriber", "provider", "other"};
constexpr std::array<std::string_view, 4> kPurposes = {"auxiliary-billing", "benefits", "discovery",
                                                       "validation"};
constexpr std::array<std::string_view, 4> kGenders = {"male", "female", "other", "unknown"};
constexpr std::array<std::string_view, 4> kPatientSystems = {v::kNationalId, v::kIqama,
                                                             v::kPassport, v::kBorderNumber};
constexpr std::array<std::string_view, 4> kCoverageStatuses = {"active", "cancelled", "draft",
                                                               "entered-in-error"};
constexpr std::array<std::string_view, 9> kEncounterStatuses = {
    "planned",  "arrived",   "triaged",          "in-progress", "onleave",
    "finished", "cancelled", "entered-in-error", "unknown"};
constexpr std::array<std::string_view, 2> kCancelCodes = {"cancel", "nullify"};
constexpr std::array<std::string_view, 1> kStatusCodes = {"status"};
constexpr std::array<std::string_view, 1> kPollCodes = {"poll"};
constexpr std::array<std::string_view, 1> kCleared = {"cleared"};
constexpr std::string_view kNphiesCodeSystems = "http://nphies.sa/terminology/CodeSystem/";

// The request events a provider sends: the type of their focal resource
// (empty: none) and whether NPHIES itself may receive them.
struct Event {
  std::string_view code;
  std::string_view focal;
  bool to_nphies;
};
constexpr Event kEvents[] = {
    {"eligibility-request", "CoverageEligibilityRequest", false},
    {"claim-request", "Claim", false},
    {"priorauth-request", "Claim", false},
    {"cancel-request", "Task", false},
    {"status-check", "Task", false},
    {"poll-request", "Task", true},
    {"acknowledgement", "", true},
    {"communication", "Communication", false},
    {"payment-notice", "PaymentNotice", false},
    {"batch-request", "", false},
};

// The nphies-fs profiles of each resource type but Claim (whose are
// <claim type>-claim and <claim type>-priorauth).
constexpr std::pair<std::string_view, std::string_view> kProfiles[] = {
    {"Bundle", "bundle"},
    {"MessageHeader", "message-header"},
    {"CoverageEligibilityRequest", "eligibility-request"},
    {"Coverage", "coverage"},
    {"Patient", "patient"},
    {"Practitioner", "practitioner"},
    {"PractitionerRole", "practitioner-role"},
    {"Organization", "provider-organization"},
    {"Organization", "insurer-organization"},
    {"Organization", "policyholder-organization"},
    {"Location", "location"},
    {"Encounter", "encounter"},
    {"Encounter", "encounter-auth-AMB"},
    {"Encounter", "encounter-auth-EMER"},
    {"Encounter", "encounter-auth-HH"},
    {"Encounter", "encounter-auth-IMP"},
    {"Encounter", "encounter-auth-SS"},
    {"Encounter", "encounter-auth-VR"},
    {"Task", "task"},
    {"Communication", "communication"},
    {"PaymentNotice", "payment-notice"},
};

bool one_of(std::string_view value, Codes codes) {
  for (std::string_view c : codes) {
    if (c == value) return true;
  }
  return false;
}

// "a, b or c"
std::string listed(Codes codes) {
  std::string out;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i > 0) out += i + 1 == codes.size() ? " or " : ", ";
    out += codes[i];
  }
  return out;
}

bool profile_fits(std::string_view type, std::string_view name) {
  if (type == "Claim") {
    for (std::string_view t : kClaimTypes) {
      if (name.size() > t.size() && name.substr(0, t.size()) == t &&
          (name.substr(t.size()) == "-claim" || name.substr(t.size()) == "-priorauth")) {
        return true;
      }
    }
    return false;
  }
  for (const auto& [t, n] : kProfiles) {
    if (t == type && n == name) return true;
  }
  return false;
}

const Event* event_named(std::string_view code) {
  for (const auto& e : kEvents) {
    if (e.code == code) return &e;
  }
  return nullptr;
}

// ---- findings and paths ------------------------------------------------------

struct Broken {
  std::string_view rule;
  std::string where;
  std::string what;
};
using Finding = std::optional<Broken>;

Finding broken(std::string_view rule, std::string where, std::string what) {
  return Broken{rule, std::move(where), std::move(what)};
}

std::string dot(const std::string& path, std::string_view name) {
  return path + "." + std::string(name);
}

std::string nth(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// ---- reading elements ----------------------------------------------------------

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// `codeable` is a CodeableConcept with a coding of `system` whose code is one
// of `codes` (any code, when `codes` is empty).
bool has_code(const json* codeable, std::string_view system, Codes codes) {
  const json* codings = codeable != nullptr ? array_member(*codeable, "coding") : nullptr;
  if (codings == nullptr) return false;
  for (const auto& c : *codings) {
    const std::string code = text(c, "code");
    if (text(c, "system") == system && !code.empty() && (codes.empty() || one_of(code, codes))) {
      return true;
    }
  }
  return false;
}

// element[name] is such a CodeableConcept.
bool coded(const json& element, std::string_view name, std::string_view system, Codes codes) {
  return has_code(member(element, name), system, codes);
}

// The path of the first of element.identifier (1..*) without a system and a
// value, or nullopt when every one has both.
std::optional<std::string> bad_identifiers(const json& element, const std::string& where) {
  const std::string at = dot(where, "identifier");
  const json* ids = array_member(element, "identifier");
  if (ids == nullptr || ids->empty()) return at;
  for (std::size_t i = 0; i < ids->size(); ++i) {
    if (text((*ids)[i], "system").empty() || text((*ids)[i], "value").empty()) return nth(at, i);
  }
  return std::nullopt;
}

std::optional<std::int64_t> positive(const json* value) {
  if (value == nullptr || !value->is_number_integer()) return std::nullopt;
  if (value->is_number_unsigned()) {
    const auto n = value->get<std::uint64_t>();
    if (n == 0 || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(n);
  }
  const auto n = value->get<std::int64_t>();
  return n > 0 ? std::optional<std::int64_t>(n) : std::nullopt;
}

// A Money in SAR: its value, or nullopt (absent, not a finite number, or not
// in SAR).
std::optional<double> sar(const json* money) {
  if (money == nullptr) return std::nullopt;
  const json* value = member(*money, "value");
  if (value == nullptr || !value->is_number() || text(*money, "currency") != v::kCurrency) {
    return std::nullopt;
  }
  const double d = value->get<double>();
  return std::isfinite(d) ? std::optional<double>(d) : std::nullopt;
}

bool is_time(const json& element, std::string_view name) {
  return parse_ksa_time(text(element, name)).has_value();
}

// A FHIR instant: a dateTime with its time and an offset (or Z).
bool is_instant(const std::string& s) {
  return s.size() > 19 && s[10] == 'T' &&
         (s.back() == 'Z' || s[s.size() - 6] == '+' || s[s.size() - 6] == '-') &&
         parse_ksa_time(s).has_value();
}

// The value of the identifier of `system` an Organization (or Practitioner)
// carries, or empty.
std::string licence_of(const json& resource, std::string_view system) {
  const json* ids = array_member(resource, "identifier");
  if (ids == nullptr) return {};
  for (const auto& id : *ids) {
    if (text(id, "system") == system) return text(id, "value");
  }
  return {};
}

bool has_profile(const json& resource, std::string_view name, std::string_view version) {
  const json* meta = member(resource, "meta");
  const json* profiles = meta != nullptr ? array_member(*meta, "profile") : nullptr;
  if (profiles == nullptr) return false;
  const std::string wanted = v::profile(name, version);
  for (const auto& p : *profiles) {
    if (p.is_string() && p.get_ref<const std::string&>() == wanted) return true;
  }
  return false;
}

// The index of element.extension's entry with this url.
std::optional<std::size_t> extension_at(const json& element, std::string_view url) {
  const json* list = array_member(element, "extension");
  if (list == nullptr) return std::nullopt;
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (text((*list)[i], "url") == url) return i;
  }
  return std::nullopt;
}

// ---- the message ---------------------------------------------------------------

struct Message {
  Message(const json& b, std::string_view v, std::string p)
      : bundle(b), version(v), path(std::move(p)) {}

  const json& bundle;
  std::string_view version;
  std::string path;  // "Bundle", or where a batch's message is
  const json* entries = nullptr;
  const json* header = nullptr;
  const Event* event = nullptr;
  std::string sender;  // the provider licence
  std::string receiver_system;
  std::string receiver;
  const json* focal = nullptr;
  std::size_t focal_index = 0;

  std::string entry_path(std::size_t i) const {
    return path + ".entry[" + std::to_string(i) + "].resource";
  }
  std::string_view event_code() const { return event != nullptr ? event->code : ""; }
  // The entry a Reference.reference names, or nullptr.
  const json* resolve(std::string_view reference) const {
    return entry_resource(bundle, reference);
  }
  // The entry element[name] references, when it is a `type`; else nullptr.
  const json* referenced(const json& element, std::string_view name, std::string_view type) const {
    const json* ref = member(element, name);
    const json* target = ref != nullptr ? resolve(text(*ref, "reference")) : nullptr;
    return target != nullptr && text(*target, "resourceType") == type ? target : nullptr;
  }
  // The licence of `system` a party names: the Organization entry it
  // references, or its logical identifier (the first of an array).
  std::string licence(const json* party, std::string_view system) const {
    if (party != nullptr && party->is_array()) party = party->empty() ? nullptr : &(*party)[0];
    if (party == nullptr) return {};
    const std::string ref = text(*party, "reference");
    if (!ref.empty()) {
      const json* target = resolve(ref);
      return target != nullptr && text(*target, "resourceType") == "Organization"
                 ? licence_of(*target, system)
                 : std::string();
    }
    const json* id = member(*party, "identifier");
    return id != nullptr && text(*id, "system") == system ? text(*id, "value") : std::string();
  }
};

// ---- the whole message and its envelope ------------------------------------------

// True when `value` nests no deeper than kMaxCheckedDepth from `level`;
// otherwise `where` is the path below `value` of the first element too deep.
bool shallow(const json& value, std::size_t level, std::string& where) {
  if (level > kMaxCheckedDepth) return false;
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if (item.is_structured() && !shallow(item, level + 1, where)) {
        where = "." + key + where;
        return false;
      }
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (value[i].is_structured() && !shallow(value[i], level + 1, where)) {
        where = "[" + std::to_string(i) + "]" + where;
        return false;
      }
    }
  }
  return true;
}

Finding check_bundle(const Message& m) {
  const json& b = m.bundle;
  if (text(b, "resourceType") != "Bundle") {
    return broken("bundle.type", dot(m.path, "resourceType"), "is not Bundle");
  }
  if (text(b, "type") != "message")
    return broken("bundle.type", dot(m.path, "type"), "is not message");
  if (text(b, "id").empty()) return broken("bundle.id", dot(m.path, "id"), "is missing");
  if (!is_instant(text(b, "timestamp"))) {
    return broken("bundle.timestamp", dot(m.path, "timestamp"),
                  "is not an instant (date, time and offset)");
  }
  return std::nullopt;
}

Finding check_header_first(Message& m) {
  const json* entries = array_member(m.bundle, "entry");
  if (entries == nullptr || entries->empty()) {
    return broken("header.first", dot(m.path, "entry"),
                  "is empty: the first entry is the MessageHeader");
  }
  const json* header = member((*entries)[0], "resource");
  if (header == nullptr || text(*header, "resourceType") != "MessageHeader") {
    return broken("header.first", m.entry_path(0), "is not a MessageHeader");
  }
  if (text(*header, "id").empty())
    return broken("header.first", dot(m.entry_path(0), "id"), "is missing");
  m.entries = entries;
  m.header = header;
  return std::nullopt;
}

Finding check_entries(const Message& m) {
  std::set<std::string> urls;
  for (std::size_t i = 0; i < m.entries->size(); ++i) {
    const json& entry = (*m.entries)[i];
    const std::string at = nth(dot(m.path, "entry"), i);
    const std::string url = text(entry, "fullUrl");
    if (url.empty()) return broken("entry.full-url", dot(at, "fullUrl"), "is missing");
    const json* resource = member(entry, "resource");
    if (resource == nullptr || !resource->is_object()) {
      return broken("entry.resource", dot(at, "resource"), "is missing");
    }
    if (text(*resource, "resourceType").empty()) {
      return broken("entry.resource", dot(at, "resource.resourceType"), "is missing");
    }
    if (text(*resource, "id").empty()) {
      return broken("entry.resource", dot(at, "resource.id"), "is missing");
    }
    if (!urls.insert(url).second) {
      return broken("entry.full-url-unique", dot(at, "fullUrl"), "is an earlier entry's too");
    }
  }
  return std::nullopt;
}

Finding check_profiles(const json& resource, const std::string& where, std::string_view version) {
  const std::string type = text(resource, "resourceType");
  const std::string at = dot(where, "meta.profile");
  const json* meta = member(resource, "meta");
  const json* profiles = meta != nullptr ? array_member(*meta, "profile") : nullptr;
  if (profiles == nullptr || profiles->empty()) {
    return broken("profile.name", at, "is missing: a " + type + " carries its nphies-fs profile");
  }
  bool fits = false;
  for (std::size_t i = 0; i < profiles->size(); ++i) {
    const json& p = (*profiles)[i];
    if (!p.is_string() || !starts_with(p.get_ref<const std::string&>(), v::kProfileBase)) {
      return broken("profile.name", nth(at, i), "is not an nphies-fs StructureDefinition");
    }
    const std::string_view rest =
        std::string_view(p.get_ref<const std::string&>()).substr(v::kProfileBase.size());
    fits = fits || profile_fits(type, rest.substr(0, rest.find('|')));
  }
  if (!fits) return broken("profile.name", at, "names no nphies-fs profile of a " + type);
  for (std::size_t i = 0; i < profiles->size(); ++i) {
    const std::string_view p = (*profiles)[i].get_ref<const std::string&>();
    const std::size_t bar = p.find('|');
    if (bar == std::string_view::npos) {
      return broken("profile.version", nth(at, i),
                    "names no version; this instance's messages name " + std::string(version) +
                        " (profile_version)");
    }
    if (p.substr(bar + 1) != version) {
      return broken("profile.version", nth(at, i),
                    "names version " + std::string(p.substr(bar + 1)) +
                        "; this instance's messages name " + std::string(version) +
                        " (profile_version), one version per message");
    }
  }
  return std::nullopt;
}

Finding check_header(Message& m) {
  const json& h = *m.header;
  const std::string at = m.entry_path(0);
  const json* coding = member(h, "eventCoding");
  if (coding != nullptr && text(*coding, "system") == v::kEvents) {
    m.event = event_named(text(*coding, "code"));
  }
  if (m.event == nullptr) {
    return broken("header.event", dot(at, "eventCoding"),
                  "is not a ksa-message-events request event a provider sends");
  }
  const json* sender = member(h, "sender");
  const json* sender_id = sender != nullptr ? member(*sender, "identifier") : nullptr;
  if (sender_id != nullptr && text(*sender_id, "system") == v::kProviderLicense) {
    m.sender = text(*sender_id, "value");
  }
  if (m.sender.empty()) {
    return broken("header.sender", dot(at, "sender.identifier"),
                  "is not a provider licence (" + std::string(v::kProviderLicense) + ")");
  }
  const json* destinations = array_member(h, "destination");
  if (destinations == nullptr || destinations->empty()) {
    return broken("header.destination", dot(at, "destination"), "is missing");
  }
  const json& destination = (*destinations)[0];
  if (text(destination, "endpoint").empty()) {
    return broken("header.destination", dot(at, "destination[0].endpoint"), "is missing");
  }
  const json* receiver = member(destination, "receiver");
  const json* receiver_id = receiver != nullptr ? member(*receiver, "identifier") : nullptr;
  if (receiver_id != nullptr) {
    m.receiver_system = text(*receiver_id, "system");
    m.receiver = text(*receiver_id, "value");
  }
  const bool to_payer = m.receiver_system == v::kPayerLicense;
  const bool to_nphies = m.event->to_nphies && m.receiver_system == v::kNphiesLicense;
  if (m.receiver.empty() || !(to_payer || to_nphies)) {
    return broken(
        "header.destination", dot(at, "destination[0].receiver.identifier"),
        m.event->to_nphies ? "is neither a payer licence nor NPHIES" : "is not a payer licence");
  }
  const json* source = member(h, "source");
  if (source == nullptr || text(*source, "endpoint").empty()) {
    return broken("header.source", dot(at, "source.endpoint"), "is missing");
  }
  if (!m.event->focal.empty()) {
    const json* focus = array_member(h, "focus");
    const std::string ref =
        focus != nullptr && !focus->empty() ? text((*focus)[0], "reference") : "";
    const std::string where = dot(at, "focus[0].reference");
    const std::string what =
        "a " + std::string(m.event->code) + " is about a " + std::string(m.event->focal);
    if (ref.empty()) return broken("header.focus", where, "is missing: " + what);
    for (std::size_t i = 1; i < m.entries->size(); ++i) {
      if (text((*m.entries)[i], "fullUrl") == ref) {
        m.focal = member((*m.entries)[i], "resource");
        m.focal_index = i;
        break;
      }
    }
    if (m.focal == nullptr) return broken("header.focus", where, "is no entry's fullUrl");
    if (text(*m.focal, "resourceType") != m.event->focal) {
      return broken("header.focus", where,
                    "names a " + text(*m.focal, "resourceType") + "; " + what);
    }
  }
  if (m.event->code == "acknowledgement") {
    const json* response = member(h, "response");
    if (response == nullptr || text(*response, "identifier").empty() ||
        text(*response, "code") != "ok") {
      return broken("header.response", dot(at, "response"),
                    "must name the message acknowledged (identifier), code ok");
    }
  }
  return std::nullopt;
}

// Every Reference.reference in `value` names an entry of the message.
Finding check_references(const Message& m, const json& value, const std::string& where) {
  if (value.is_object()) {
    if (const json* ref = member(value, "reference");
        ref != nullptr && ref->is_string() &&
        m.resolve(ref->get_ref<const std::string&>()) == nullptr) {
      return broken("reference.resolves", dot(where, "reference"), "names no entry of the Bundle");
    }
    for (const auto& [key, item] : value.items()) {
      if (!item.is_structured()) continue;
      if (Finding f = check_references(m, item, dot(where, key))) return f;
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_structured()) continue;
      if (Finding f = check_references(m, value[i], nth(where, i))) return f;
    }
  }
  return std::nullopt;
}

// Every Money in `value` (a number value beside a currency) is in SAR.
Finding check_money(const json& value, const std::string& where) {
  if (value.is_object()) {
    const json* amount = member(value, "value");
    if (amount != nullptr && amount->is_number() && value.contains("currency") &&
        text(value, "currency") != v::kCurrency) {
      return broken("money.currency", dot(where, "currency"), "is not SAR");
    }
    for (const auto& [key, item] : value.items()) {
      if (!item.is_structured()) continue;
      if (Finding f = check_money(item, dot(where, key))) return f;
    }
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (!value[i].is_structured()) continue;
      if (Finding f = check_money(value[i], nth(where, i))) return f;
    }
  }
  return std::nullopt;
}

// ---- resources every message may carry --------------------------------------------

Finding check_patient(const json& p, const std::string& at) {
  const json* ids = array_member(p, "identifier");
  if (ids == nullptr || ids->empty()) {
    return broken("patient.identifier", dot(at, "identifier"),
                  "is missing: NPHIES knows a patient by national id, iqama, passport or border "
                  "number");
  }
  for (std::size_t i = 0; i < ids->size(); ++i) {
    if (!one_of(text((*ids)[i], "system"), kPatientSystems) || text((*ids)[i], "value").empty()) {
      return broken("patient.identifier", nth(dot(at, "identifier"), i),
                    "is not a national id, iqama, passport or border number with a value");
    }
  }
  if (!one_of(text(p, "gender"), kGenders)) {
    return broken("patient.gender", dot(at, "gender"), "is not " + listed(kGenders));
  }
  const json* gender = member(p, "_gender");
  const json* ksa =
      gender != nullptr ? extension(*gender, v::extension("ksa-administrative-gender")) : nullptr;
  if (ksa == nullptr || !coded(*ksa, "valueCodeableConcept", v::kKsaGender, {})) {
    return broken(
        "patient.gender", dot(at, "_gender.extension"),
        "lacks extension-ksa-administrative-gender with a ksa-administrative-gender code");
  }
  return std::nullopt;
}

Finding check_organization(const json& o, const std::string& at, std::string_view version) {
  if (has_profile(o, "provider-organization", version) &&
      licence_of(o, v::kProviderLicense).empty()) {
    return broken("organization.licence", dot(at, "identifier"),
                  "has no provider licence (" + std::string(v::kProviderLicense) + ")");
  }
  if (has_profile(o, "insurer-organization", version) && licence_of(o, v::kPayerLicense).empty()) {
    return broken("organization.licence", dot(at, "identifier"),
                  "has no payer licence (" + std::string(v::kPayerLicense) + ")");
  }
  return std::nullopt;
}

Finding check_coverage(const Message& m, const json& c, const std::string& at) {
  if (!one_of(text(c, "status"), kCoverageStatuses)) {
    return broken("coverage.required", dot(at, "status"), "is not " + listed(kCoverageStatuses));
  }
  if (m.referenced(c, "beneficiary", "Patient") == nullptr) {
    return broken("coverage.required", dot(at, "beneficiary"), "is not a Patient entry");
  }
  const json* payors = array_member(c, "payor");
  if (payors == nullptr || payors->empty()) {
    return broken("coverage.required", dot(at, "payor"), "is missing (1..*)");
  }
  for (std::size_t i = 0; i < payors->size(); ++i) {
    const json* payor = m.resolve(text((*payors)[i], "reference"));
    const std::string type = payor != nullptr ? text(*payor, "resourceType") : "";
    if (type != "Organization" && type != "Patient") {
      return broken("coverage.required", nth(dot(at, "payor"), i),
                    "is not an Organization or Patient entry");
    }
  }
  return std::nullopt;
}

Finding check_encounter(const Message& m, const json& e, const std::string& at) {
  if (!one_of(text(e, "status"), kEncounterStatuses)) {
    return broken("encounter.required", dot(at, "status"), "is not an Encounter status");
  }
  const json* cls = member(e, "class");
  if (cls == nullptr || text(*cls, "system").empty() || text(*cls, "code").empty()) {
    return broken("encounter.required", dot(at, "class"), "has no system and code");
  }
  if (m.referenced(e, "subject", "Patient") == nullptr) {
    return broken("encounter.required", dot(at, "subject"), "is not a Patient entry");
  }
  return std::nullopt;
}

// ---- Claim -------------------------------------------------------------------------

// element[name]: an array whose entries each have a positive `sequence`
// unique among them. `seen` gets the sequences; the path of the first
// entry that breaks it, or nullopt.
std::optional<std::string> bad_sequences(const json& list, const std::string& where,
                                         std::set<std::int64_t>& seen) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::optional<std::int64_t> s = positive(member(list[i], "sequence"));
    if (!s || !seen.insert(*s).second) return dot(nth(where, i), "sequence");
  }
  return std::nullopt;
}

Finding check_claim_parties(const Message& m, const json& c, const std::string& at,
                            std::set<std::int64_t>& care, std::set<std::int64_t>& diagnoses) {
  const json* team = array_member(c, "careTeam");
  const std::string team_at = dot(at, "careTeam");
  if (team == nullptr || team->empty()) {
    return broken("claim.care-team", team_at, "is missing: who gave the service (1..*)");
  }
  if (auto bad = bad_sequences(*team, team_at, care)) {
    return broken("claim.care-team", *bad, "is not a positive integer unique in careTeam");
  }
  for (std::size_t i = 0; i < team->size(); ++i) {
    const json* who = m.referenced((*team)[i], "provider", "Practitioner");
    if (who == nullptr || licence_of(*who, v::kPractitionerLicense).empty()) {
      return broken("claim.care-team", dot(nth(team_at, i), "provider"),
                    "is not a Practitioner entry with a practitioner licence");
    }
  }
  const json* diagnosis = array_member(c, "diagnosis");
  const std::string diagnosis_at = dot(at, "diagnosis");
  if (diagnosis == nullptr || diagnosis->empty()) {
    return broken("claim.diagnosis", diagnosis_at, "is missing (1..*)");
  }
  if (auto bad = bad_sequences(*diagnosis, diagnosis_at, diagnoses)) {
    return broken("claim.diagnosis", *bad, "is not a positive integer unique in diagnosis");
  }
  bool principal = false;
  for (std::size_t i = 0; i < diagnosis->size(); ++i) {
    const json& d = (*diagnosis)[i];
    const json* codings = member(d, "diagnosisCodeableConcept");
    codings = codings != nullptr ? array_member(*codings, "coding") : nullptr;
    bool coded_with_system = false;
    for (std::size_t k = 0; codings != nullptr && k < codings->size(); ++k) {
      coded_with_system = coded_with_system || (!text((*codings)[k], "system").empty() &&
                                                !text((*codings)[k], "code").empty());
    }
    if (!coded_with_system) {
      return broken("claim.diagnosis", dot(nth(diagnosis_at, i), "diagnosisCodeableConcept"),
                    "has no code with its system");
    }
    const json* types = array_member(d, "type");
    if (types == nullptr || types->empty()) {
      return broken("claim.diagnosis", dot(nth(diagnosis_at, i), "type"), "is missing (1..*)");
    }
    for (std::size_t k = 0; k < types->size(); ++k) {
      if (!has_code(&(*types)[k], v::kDiagnosisType, {})) {
        return broken("claim.diagnosis", nth(dot(nth(diagnosis_at, i), "type"), k),
                      "is not of diagnosis-type");
      }
      principal = principal || code_of((*types)[k]) == "principal";
    }
  }
  if (!principal) return broken("claim.diagnosis", diagnosis_at, "has no principal diagnosis");

  const json* insurance = array_member(c, "insurance");
  const std::string insurance_at = dot(at, "insurance");
  if (insurance == nullptr || insurance->empty()) {
    return broken("claim.insurance", insurance_at, "is missing (1..*)");
  }
  std::set<std::int64_t> insurance_sequences;
  if (auto bad = bad_sequences(*insurance, insurance_at, insurance_sequences)) {
    return broken("claim.insurance", *bad, "is not a positive integer unique in insurance");
  }
  int focal = 0;
  for (std::size_t i = 0; i < insurance->size(); ++i) {
    const json* is_focal = member((*insurance)[i], "focal");
    if (is_focal == nullptr || !is_focal->is_boolean()) {
      return broken("claim.insurance", dot(nth(insurance_at, i), "focal"), "is not true or false");
    }
    focal += is_focal->get<bool>() ? 1 : 0;
    if (m.referenced((*insurance)[i], "coverage", "Coverage") == nullptr) {
      return broken("claim.insurance", dot(nth(insurance_at, i), "coverage"),
                    "is not a Coverage entry");
    }
  }
  if (focal != 1) return broken("claim.insurance", insurance_at, "has no single focal coverage");
  return std::nullopt;
}

// An item's links (careTeamSequence, …) each name one of `known`.
Finding check_links(const json& item, const std::string& where, std::string_view name,
                    const std::set<std::int64_t>& known, std::string_view of) {
  const json* links = member(item, name);
  if (links == nullptr) return std::nullopt;
  const std::string at = dot(where, name);
  if (!links->is_array()) return broken("claim.item-links", at, "is not a list of sequences");
  for (std::size_t i = 0; i < links->size(); ++i) {
    const std::optional<std::int64_t> s = positive(&(*links)[i]);
    if (!s || known.count(*s) == 0) {
      return broken("claim.item-links", nth(at, i),
                    "names no " + std::string(of) + " of the Claim");
    }
  }
  return std::nullopt;
}

Finding check_items(const json& c, const std::string& at, const std::set<std::int64_t>& care,
                    const std::set<std::int64_t>& diagnoses) {
  std::set<std::int64_t> information;
  if (const json* info = array_member(c, "supportingInfo")) {
    for (const auto& i : *info) {
      if (auto s = positive(member(i, "sequence"))) information.insert(*s);
    }
  }
  const json* items = array_member(c, "item");
  const std::string items_at = dot(at, "item");
  if (items == nullptr || items->empty()) {
    return broken("claim.item", items_at, "is missing: a claim bills at least one item");
  }
  std::set<std::int64_t> sequences;
  double sum = 0;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json& item = (*items)[i];
    const std::string where = nth(items_at, i);
    const std::optional<std::int64_t> sequence = positive(member(item, "sequence"));
    if (!sequence || !sequences.insert(*sequence).second) {
      return broken("claim.item-sequence", dot(where, "sequence"),
                    "is not a positive integer unique among the items");
    }
    if (Finding f = check_links(item, where, "careTeamSequence", care, "careTeam")) return f;
    if (Finding f = check_links(item, where, "diagnosisSequence", diagnoses, "diagnosis")) return f;
    if (Finding f =
            check_links(item, where, "informationSequence", information, "supportingInfo")) {
      return f;
    }
    const json* product = member(item, "productOrService");
    const json* codings = product != nullptr ? array_member(*product, "coding") : nullptr;
    const json* coding = codings != nullptr && !codings->empty() ? &(*codings)[0] : nullptr;
    if (coding == nullptr || !starts_with(text(*coding, "system"), kNphiesCodeSystems) ||
        text(*coding, "code").empty()) {
      return broken(
          "claim.item-product", dot(where, "productOrService.coding[0]"),
          "is not a code of an NPHIES code system (" + std::string(kNphiesCodeSystems) + "…)");
    }
    const json* quantity = member(item, "quantity");
    const json* count = quantity != nullptr ? member(*quantity, "value") : nullptr;
    if (count == nullptr || !count->is_number() || !(count->get<double>() > 0)) {
      return broken("claim.item-quantity", dot(where, "quantity.value"),
                    "is not a number more than 0");
    }
    const std::optional<double> unit = sar(member(item, "unitPrice"));
    if (!unit || *unit < 0) {
      return broken("claim.item-net", dot(where, "unitPrice"),
                    "is not an amount in SAR, at least 0");
    }
    double factor = 1;
    if (const json* f = member(item, "factor")) {
      if (!f->is_number() || !(f->get<double>() > 0)) {
        return broken("claim.item-net", dot(where, "factor"), "is not a number more than 0");
      }
      factor = f->get<double>();
    }
    double tax = 0;
    if (auto t = extension_at(item, v::extension("tax"))) {
      const json& ext = (*array_member(item, "extension"))[*t];
      const std::optional<double> value = sar(member(ext, "valueMoney"));
      if (!value || *value < 0) {
        return broken("claim.item-net", nth(dot(where, "extension"), *t) + ".valueMoney",
                      "is not an amount in SAR, at least 0");
      }
      tax = *value;
    }
    const std::optional<double> net = sar(member(item, "net"));
    if (!net) return broken("claim.item-net", dot(where, "net"), "is not an amount in SAR");
    if (std::abs(*net - (count->get<double>() * *unit * factor + tax)) >= 0.005) {
      return broken("claim.item-net", dot(where, "net"),
                    "is not quantity × unitPrice × factor + tax");
    }
    sum += *net;
  }
  const std::optional<double> total = sar(member(c, "total"));
  if (!total || std::abs(*total - sum) >= 0.005) {
    return broken("claim.total", dot(at, "total"), "is not the sum of the items' net, in SAR");
  }
  return std::nullopt;
}

Finding check_claim(const Message& m, const json& c, const std::string& at) {
  if (auto bad = bad_identifiers(c, at)) {
    return broken("claim.identifier", *bad, "must give a system and a value (1..*)");
  }
  if (text(c, "status") != "active")
    return broken("claim.status", dot(at, "status"), "is not active");
  if (!coded(c, "type", v::kClaimType, kClaimTypes)) {
    return broken("claim.type", dot(at, "type"),
                  "is not " + listed(kClaimTypes) + " of " + std::string(v::kClaimType));
  }
  if (!coded(c, "subType", v::kClaimSubtype, kClaimSubtypes)) {
    return broken("claim.subtype", dot(at, "subType"),
                  "is not " + listed(kClaimSubtypes) + " of " + std::string(v::kClaimSubtype));
  }
  const bool preauth = m.event_code() == "priorauth-request";
  const std::string use = preauth ? "preauthorization" : "claim";
  if (text(c, "use") != use) {
    return broken("claim.use", dot(at, "use"),
                  "is not " + use + ", as a " + std::string(m.event_code()) + " says");
  }
  std::string type;
  for (std::string_view t : kClaimTypes) {
    if (coded(c, "type", v::kClaimType, std::array<std::string_view, 1>{t})) type = std::string(t);
  }
  if (!has_profile(c, type + (preauth ? "-priorauth" : "-claim"), m.version)) {
    return broken("claim.profile", dot(at, "meta.profile"),
                  "is not " + type + (preauth ? "-priorauth" : "-claim") +
                      ", as the Claim's type and use say");
  }
  if (m.referenced(c, "patient", "Patient") == nullptr) {
    return broken("claim.patient", dot(at, "patient"), "is not a Patient entry");
  }
  if (!is_time(c, "created")) {
    return broken("claim.created", dot(at, "created"), "is not a FHIR date or dateTime");
  }
  if (!coded(c, "priority", v::kProcessPriority, kPriorities)) {
    return broken("claim.priority", dot(at, "priority"),
                  "is not " + listed(kPriorities) + " of processpriority");
  }
  const json* payee = member(c, "payee");
  if (payee == nullptr || !coded(*payee, "type", v::kPayeeType, kPayeeTypes)) {
    return broken("claim.payee", dot(at, "payee.type"),
                  "is not " + listed(kPayeeTypes) + " of payeetype");
  }
  std::set<std::int64_t> care;
  std::set<std::int64_t> diagnoses;
  if (Finding f = check_claim_parties(m, c, at, care, diagnoses)) return f;
  if (Finding f = check_items(c, at, care, diagnoses)) return f;
  if (auto e = extension_at(c, v::extension("encounter"))) {
    const std::string where = nth(dot(at, "extension"), *e) + ".valueReference";
    const json& ext = (*array_member(c, "extension"))[*e];
    const json* encounter = m.referenced(ext, "valueReference", "Encounter");
    if (encounter == nullptr) return broken("claim.encounter", where, "is not an Encounter entry");
    const json* cls = member(*encounter, "class");
    const bool is_virtual =
        cls != nullptr && text(*cls, "system") == v::kActCode && text(*cls, "code") == "VR";
    if (is_virtual != has_profile(*encounter, "encounter-auth-VR", m.version)) {
      return broken("claim.encounter", where,
                    "names an Encounter whose class and profile disagree: a virtual one (class "
                    "VR) carries encounter-auth-VR, and only it");
    }
  }
  return std::nullopt;
}

// ---- the other focal resources ----------------------------------------------------

Finding check_eligibility(const Message& m, const json& e, const std::string& at) {
  constexpr std::string_view kRule = "eligibility.required";
  if (auto bad = bad_identifiers(e, at)) {
    return broken(kRule, *bad, "must give a system and a value (1..*)");
  }
  if (text(e, "status") != "active") return broken(kRule, dot(at, "status"), "is not active");
  if (m.referenced(e, "patient", "Patient") == nullptr) {
    return broken(kRule, dot(at, "patient"), "is not a Patient entry");
  }
  if (!is_time(e, "created")) {
    return broken(kRule, dot(at, "created"), "is not a FHIR date or dateTime");
  }
  const json* period = member(e, "servicedPeriod");
  if (!is_time(e, "servicedDate") && (period == nullptr || !is_time(*period, "start"))) {
    return broken(kRule, dot(at, "servicedDate"), "is missing, and so is servicedPeriod.start");
  }
  const json* insurance = array_member(e, "insurance");
  if (insurance == nullptr || insurance->empty()) {
    return broken(kRule, dot(at, "insurance"), "is missing (1..*)");
  }
  for (std::size_t i = 0; i < insurance->size(); ++i) {
    if (m.referenced((*insurance)[i], "coverage", "Coverage") == nullptr) {
      return broken(kRule, dot(nth(dot(at, "insurance"), i), "coverage"),
                    "is not a Coverage entry");
    }
  }
  if (e.contains("priority") && !coded(e, "priority", v::kProcessPriority, kPriorities)) {
    return broken("eligibility.priority", dot(at, "priority"),
                  "is not " + listed(kPriorities) + " of processpriority");
  }
  const json* purposes = array_member(e, "purpose");
  if (purposes == nullptr || purposes->empty()) {
    return broken("eligibility.purpose", dot(at, "purpose"), "is missing (1..*)");
  }
  for (std::size_t i = 0; i < purposes->size(); ++i) {
    const json& p = (*purposes)[i];
    if (!p.is_string() || !one_of(p.get_ref<const std::string&>(), kPurposes)) {
      return broken("eligibility.purpose", nth(dot(at, "purpose"), i),
                    "is not " + listed(kPurposes));
    }
  }
  return std::nullopt;
}

Finding check_task(const Message& m, const json& t, const std::string& at) {
  constexpr std::string_view kRule = "task.required";
  if (auto bad = bad_identifiers(t, at)) {
    return broken(kRule, *bad, "must give a system and a value (1..*)");
  }
  if (text(t, "status") != "requested") return broken(kRule, dot(at, "status"), "is not requested");
  if (text(t, "intent") != "order") return broken(kRule, dot(at, "intent"), "is not order");
  if (!is_time(t, "authoredOn")) {
    return broken(kRule, dot(at, "authoredOn"), "is not a FHIR date or dateTime");
  }
  const std::string_view event = m.event_code();
  const Codes codes = event == "cancel-request" ? Codes(kCancelCodes)
                      : event == "status-check" ? Codes(kStatusCodes)
                                                : Codes(kPollCodes);
  if (!coded(t, "code", v::kTaskCode, codes)) {
    return broken(
        "task.code", dot(at, "code"),
        "is not " + listed(codes) + " of task-code, as a " + std::string(event) + " says");
  }
  if (event == "cancel-request" || event == "status-check") {
    const json* focus = member(t, "focus");
    const json* id = focus != nullptr ? member(*focus, "identifier") : nullptr;
    if (focus == nullptr || text(*focus, "type") != "Claim" || id == nullptr ||
        text(*id, "system").empty() || text(*id, "value").empty()) {
      return broken("task.focus", dot(at, "focus"),
                    "must name a Claim by identifier (type Claim, system and value)");
    }
  }
  if (event != "poll-request") return std::nullopt;
  const json* owner = member(t, "owner");
  const json* owner_id = owner != nullptr ? member(*owner, "identifier") : nullptr;
  if (owner_id == nullptr || text(*owner_id, "system") != v::kNphiesLicense ||
      text(*owner_id, "value").empty()) {
    return broken("task.owner", dot(at, "owner"),
                  "is not NPHIES (an identifier of " + std::string(v::kNphiesLicense) + ")");
  }
  const json* inputs = member(t, "input");
  if (inputs == nullptr) return std::nullopt;
  if (!inputs->is_array()) return broken("task.poll-input", dot(at, "input"), "is not a list");
  for (std::size_t i = 0; i < inputs->size(); ++i) {
    const json& input = (*inputs)[i];
    const std::string where = nth(dot(at, "input"), i);
    if (!coded(input, "type", v::kTaskInputType, {})) {
      return broken("task.poll-input", dot(where, "type"), "is not of task-input-type");
    }
    const std::string type = code_of(*member(input, "type"));
    if (type == "count") {
      const std::optional<std::int64_t> count = positive(member(input, "valuePositiveInt"));
      if (!count || *count > 100) {
        return broken("task.poll-input", dot(where, "valuePositiveInt"),
                      "is not a count of 1 to 100");
      }
    } else if (type == "include-message-type" || type == "exclude-message-type") {
      if (text(input, "valueCode").empty()) {
        return broken("task.poll-input", dot(where, "valueCode"), "names no event");
      }
    }
  }
  return std::nullopt;
}

// What a document of `content_type` begins with; empty for a type the
// exchange does not take.
std::string_view magic_of(std::string_view content_type) {
  if (content_type == "application/pdf") return "%PDF-";
  if (content_type == "image/jpeg") return "\xFF\xD8\xFF";
  return {};
}

Finding check_attachment(const json& a, const std::string& where) {
  constexpr std::string_view kRule = "communication.attachment";
  const std::string_view magic = magic_of(text(a, "contentType"));
  if (magic.empty()) {
    return broken(kRule, dot(where, "contentType"), "is neither application/pdf nor image/jpeg");
  }
  const json* data = member(a, "data");
  std::optional<std::string> bytes;
  if (data != nullptr && data->is_string())
    bytes = sdk::base64_decode(data->get_ref<const std::string&>());
  if (!bytes || bytes->empty())
    return broken(kRule, dot(where, "data"), "is not base64 of a document");
  const json* size = member(a, "size");
  if (size == nullptr || !size->is_number_unsigned() ||
      size->get<std::uint64_t>() != bytes->size()) {
    return broken(kRule, dot(where, "size"), "is not the decoded length of data");
  }
  if (bytes->compare(0, magic.size(), magic) != 0) {
    return broken(kRule, dot(where, "data"), "does not begin as its contentType says");
  }
  return std::nullopt;
}

Finding check_communication(const Message& m, const json& c, const std::string& at) {
  constexpr std::string_view kRule = "communication.required";
  if (auto bad = bad_identifiers(c, at)) {
    return broken(kRule, *bad, "must give a system and a value (1..*)");
  }
  if (!is_time(c, "sent")) return broken(kRule, dot(at, "sent"), "is not a FHIR dateTime");
  const json* recipients = array_member(c, "recipient");
  if (recipients == nullptr || recipients->empty()) {
    return broken(kRule, dot(at, "recipient"), "is missing (1..*)");
  }
  if (const json* based_on = member(c, "basedOn")) {
    if (!based_on->is_array()) return broken(kRule, dot(at, "basedOn"), "is not a list");
    for (std::size_t i = 0; i < based_on->size(); ++i) {
      const json& b = (*based_on)[i];
      const json* id = member(b, "identifier");
      if (text(b, "type") != "CommunicationRequest" || id == nullptr ||
          text(*id, "value").empty()) {
        return broken(kRule, nth(dot(at, "basedOn"), i),
                      "does not name a CommunicationRequest by identifier");
      }
    }
  }
  const std::string status = text(c, "status");
  if (status != "completed" && status != "not-done") {
    return broken("communication.status", dot(at, "status"), "is not completed or not-done");
  }
  const json* reason = member(c, "statusReason");
  if (status == "not-done" && (reason == nullptr || text(*reason, "text").empty())) {
    return broken("communication.status", dot(at, "statusReason.text"),
                  "is missing: a not-done communication says why");
  }
  const json* about = array_member(c, "about");
  if (about == nullptr || about->empty()) {
    return broken("communication.about", dot(at, "about"), "is missing: the claim it is about");
  }
  for (std::size_t i = 0; i < about->size(); ++i) {
    const json* id = member((*about)[i], "identifier");
    if (text((*about)[i], "type") != "Claim" || id == nullptr || text(*id, "value").empty()) {
      return broken("communication.about", nth(dot(at, "about"), i),
                    "does not name a Claim by identifier");
    }
  }
  if (m.referenced(c, "subject", "Patient") == nullptr) {
    return broken("communication.subject", dot(at, "subject"), "is not a Patient entry");
  }
  const json* payload = member(c, "payload");
  if (payload != nullptr && !payload->is_array()) {
    return broken("communication.payload", dot(at, "payload"), "is not a list");
  }
  if (status == "completed" && (payload == nullptr || payload->empty())) {
    return broken("communication.payload", dot(at, "payload"),
                  "is missing: a completed communication says or attaches something");
  }
  for (std::size_t i = 0; payload != nullptr && i < payload->size(); ++i) {
    const json& p = (*payload)[i];
    const std::string where = nth(dot(at, "payload"), i);
    const bool said = !text(p, "contentString").empty();
    const json* attachment = member(p, "contentAttachment");
    if (said == (attachment != nullptr) || (attachment != nullptr && !attachment->is_object())) {
      return broken("communication.payload", where,
                    "is neither a text (contentString) nor an attachment (contentAttachment)");
    }
    if (attachment != nullptr) {
      if (Finding f = check_attachment(*attachment, dot(where, "contentAttachment"))) return f;
    }
  }
  return std::nullopt;
}

Finding check_payment_notice(const json& n, const std::string& at) {
  constexpr std::string_view kRule = "payment-notice.required";
  if (auto bad = bad_identifiers(n, at)) {
    return broken(kRule, *bad, "must give a system and a value (1..*)");
  }
  if (text(n, "status") != "active") return broken(kRule, dot(at, "status"), "is not active");
  if (!is_time(n, "created")) {
    return broken(kRule, dot(at, "created"), "is not a FHIR date or dateTime");
  }
  const json* payment = member(n, "payment");
  const json* id = payment != nullptr ? member(*payment, "identifier") : nullptr;
  if (payment == nullptr ||
      (text(*payment, "reference").empty() && (id == nullptr || text(*id, "value").empty()))) {
    return broken(kRule, dot(at, "payment"), "names no payment (a reference or an identifier)");
  }
  const std::optional<double> amount = sar(member(n, "amount"));
  if (!amount || *amount < 0) {
    return broken(kRule, dot(at, "amount"), "is not an amount in SAR, at least 0");
  }
  if (!coded(n, "paymentStatus", v::kPaymentStatus, kCleared)) {
    return broken("payment-notice.payment-status", dot(at, "paymentStatus"),
                  "is not cleared of paymentstatus");
  }
  return std::nullopt;
}

// The focal resource's provider and insurer are the parties the
// MessageHeader names.
Finding check_parties(const Message& m) {
  if (m.focal == nullptr) return std::nullopt;
  const json& f = *m.focal;
  const std::string type = text(f, "resourceType");
  const std::string_view event = m.event_code();
  std::string_view provider = "provider";
  std::string_view insurer = "insurer";
  if (type == "Task") {
    provider = "requester";
    insurer = event == "poll-request" ? "" : "owner";
  } else if (type == "Communication") {
    provider = "sender";
    insurer = "recipient";
  } else if (type == "PaymentNotice") {
    insurer = "recipient";
  }
  const std::string at = m.entry_path(m.focal_index);
  if (m.licence(member(f, provider), v::kProviderLicense) != m.sender) {
    return broken("party.provider", dot(at, provider),
                  "is not the Organization with the MessageHeader sender's provider licence");
  }
  if (!insurer.empty() && m.licence(member(f, insurer), v::kPayerLicense) != m.receiver) {
    return broken("party.insurer", dot(at, insurer),
                  "is not the Organization with the MessageHeader receiver's payer licence");
  }
  return std::nullopt;
}

Finding check_resource(const Message& m, const json& resource, const std::string& at) {
  const std::string type = text(resource, "resourceType");
  if (type == "Patient") return check_patient(resource, at);
  if (type == "Organization") return check_organization(resource, at, m.version);
  if (type == "Coverage") return check_coverage(m, resource, at);
  if (type == "Encounter") return check_encounter(m, resource, at);
  if (type == "Claim") return check_claim(m, resource, at);
  if (type == "CoverageEligibilityRequest") return check_eligibility(m, resource, at);
  if (type == "Task") return check_task(m, resource, at);
  if (type == "Communication") return check_communication(m, resource, at);
  if (type == "PaymentNotice") return check_payment_notice(resource, at);
  return std::nullopt;
}

Finding check_message(Message& m, bool in_batch);

// A batch-request's entries after its MessageHeader: 1..200 claim-request
// messages, each passing every check, from the batch's sender to its
// receiver.
Finding check_batch(const Message& m) {
  const std::size_t count = m.entries->size() - 1;
  if (count < 1 || count > kMaxBatchClaims) {
    return broken(
        "batch.size", dot(m.path, "entry"),
        "carries " + std::to_string(count) + " claim-request messages; a batch carries 1 to 200");
  }
  for (std::size_t i = 1; i < m.entries->size(); ++i) {
    const json& bundle = *member((*m.entries)[i], "resource");
    if (text(bundle, "resourceType") != "Bundle") {
      return broken("batch.entry", m.entry_path(i), "is not a claim-request message Bundle");
    }
    Message inner{bundle, m.version, m.entry_path(i)};
    if (Finding f = check_message(inner, true)) return f;
    if (inner.sender != m.sender || inner.receiver_system != m.receiver_system ||
        inner.receiver != m.receiver) {
      return broken("batch.entry", dot(inner.entry_path(0), "destination"),
                    "is not from the batch's sender to its receiver");
    }
  }
  return std::nullopt;
}

Finding check_message(Message& m, bool in_batch) {
  if (Finding f = check_bundle(m)) return f;
  if (Finding f = check_header_first(m)) return f;
  if (Finding f = check_entries(m)) return f;
  if (Finding f = check_profiles(m.bundle, m.path, m.version)) return f;
  for (std::size_t i = 0; i < m.entries->size(); ++i) {
    if (Finding f =
            check_profiles(*member((*m.entries)[i], "resource"), m.entry_path(i), m.version))
      return f;
  }
  if (Finding f = check_header(m)) return f;
  if (in_batch && m.event->code != "claim-request") {
    return broken("batch.entry", dot(m.entry_path(0), "eventCoding"),
                  "is not claim-request: a batch carries claim-request messages");
  }
  for (std::size_t i = 0; i < m.entries->size(); ++i) {
    const json& resource = *member((*m.entries)[i], "resource");
    if (text(resource, "resourceType") == "Bundle") continue;  // a batch's message: its own check
    if (Finding f = check_references(m, resource, m.entry_path(i))) return f;
    if (Finding f = check_money(resource, m.entry_path(i))) return f;
  }
  for (std::size_t i = 1; i < m.entries->size(); ++i) {
    if (Finding f = check_resource(m, *member((*m.entries)[i], "resource"), m.entry_path(i)))
      return f;
  }
  if (Finding f = check_parties(m)) return f;
  if (m.event->code == "batch-request" && !in_batch) return check_batch(m);
  return std::nullopt;
}

}  // namespace

std::span<const OutgoingRule> outgoing_rules() { return kRules; }

sdk::Status check_outgoing(const json& message, std::string_view profile_version) {
  Finding found;
  std::string deep;
  if (!shallow(message, 1, deep)) {
    found = broken("message.depth", "Bundle" + deep,
                   "nests deeper than " + std::to_string(kMaxCheckedDepth) + " levels");
  } else if (const std::size_t size =
                 message.dump(-1, ' ', false, json::error_handler_t::replace).size();
             size > kMaxMessageBytes) {
    found = broken("message.size", "Bundle",
                   "the message is " + std::to_string(size) + " bytes; NPHIES takes at most " +
                       std::to_string(kMaxMessageBytes));
  } else {
    Message m{message, profile_version, "Bundle"};
    found = check_message(m, false);
  }
  if (!found) return {};
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "NPHIES check \"" + std::string(found->rule) + "\" failed at " + found->where +
                        ": " + found->what,
                    false);
}

}  // namespace wasl::plugins::nphies
