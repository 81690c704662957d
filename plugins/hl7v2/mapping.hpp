// Maps the segments of a parsed ER7 message to the SDK's EHR summaries:
//   PID            -> PatientSummary
//   AIP-3 / PV1-7  -> PractitionerSummary
//   SCH, TQ1, AIS, AIP, PV1, PID of SIU^S12..S26 -> Appointment
//   IN1            -> Coverage
//   PID + MRG of ADT^A40 -> which patient id merged into which.
// Ids become Wasl's resource ids (Patient/<id>), so they must be FHIR ids
// ([A-Za-z0-9-.]{1,64}); a message whose ids are not is refused.
// Every function answers either the value or the AckError to send back:
// an HL7 table 0357 code, the ERR-2 location ("SCH^1^2": segment, its
// occurrence from 1, field, [component]) and a sentence without PHI.
// Pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "plugins/hl7v2/ack.hpp"
#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/settings.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::hl7v2 {

using ::wasl::hl7v2::AckError;
using ::wasl::hl7v2::Er7Message;

// HL7 table 0357 codes the plugin answers with.
inline constexpr std::string_view kSegmentSequenceError = "100";
inline constexpr std::string_view kRequiredFieldMissing = "101";
inline constexpr std::string_view kDataTypeError = "102";
inline constexpr std::string_view kTableValueNotFound = "103";
inline constexpr std::string_view kUnsupportedMessageType = "200";
inline constexpr std::string_view kUnsupportedEventCode = "201";
inline constexpr std::string_view kApplicationInternalError = "207";

// A value read from a message, or what is wrong with the message.
template <typename T>
class [[nodiscard]] Mapped {
 public:
  Mapped(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Mapped(AckError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const AckError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, AckError> v_;
};

// The ERR-2 location of field `field` (component `component` when > 0) of
// the `occurrence`-th (0-based) segment `segment`: "PID^1^3", "SCH^1^11^1^4".
std::string error_location(std::string_view segment, int field, int component = 0,
                           std::size_t occurrence = 0);

// Whether `id` can be a Wasl resource id: [A-Za-z0-9-.]{1,64}.
bool is_resource_id(std::string_view id);

// The FHIR identifier system of an identifier with assigning authority
// `authority` (CX.4.1) and type `type` (CX.5): identifier_systems'
// "<authority>^<type>", then "<authority>^", then "^<type>"; "" when none.
std::string identifier_system(const Hl7v2Settings& settings, std::string_view authority,
                              std::string_view type);

// The patient id in the CX list of `segment`-`field` (PID-3, MRG-1): the
// repetition of type settings.patient_id_from, else a sole repetition
// without a type. 101 when there is none, 102 when it is no resource id.
Mapped<std::string> patient_id(const Er7Message& message, const Hl7v2Settings& settings,
                               std::string_view segment, int field, std::size_t occurrence = 0);

// The `occurrence`-th PID as a patient (raw: a FHIR Patient of what PID
// says, every name repetition included).
Mapped<sdk::PatientSummary> map_patient(const Er7Message& message, const Hl7v2Settings& settings,
                                        std::size_t occurrence = 0);

// The appointment's practitioner: the first AIP's AIP-3, else PV1-7;
// std::nullopt when the message names none.
Mapped<std::optional<sdk::PractitionerSummary>> map_practitioner(const Er7Message& message,
                                                                 const Hl7v2Settings& settings);

// The appointment of an SIU message with trigger `trigger` (S12…S26).
// start_ms/end_ms stay 0 for a cancellation or no-show that gives no start.
Mapped<sdk::Appointment> map_appointment(const Er7Message& message, std::string_view trigger,
                                         const Hl7v2Settings& settings);

// Every IN1 of the message as a coverage of `patient_id`; status as
// coverage_status() at `now_ms`.
Mapped<std::vector<sdk::Coverage>> map_coverages(const Er7Message& message,
                                                 const std::string& patient_id,
                                                 const Hl7v2Settings& settings,
                                                 std::int64_t now_ms);

// "active", or "cancelled" once the coverage's period has ended at `now_ms`.
std::string coverage_status(const sdk::Coverage& coverage, std::int64_t now_ms);

// One merge of an ADT^A40: the patient id that ceases to exist (MRG-1) and
// the patient it now belongs to (the PID of the same group).
struct PatientMerge {
  std::string prior_id;
  sdk::PatientSummary patient;
};
Mapped<std::vector<PatientMerge>> map_merges(const Er7Message& message,
                                             const Hl7v2Settings& settings);

}  // namespace wasl::plugins::hl7v2
