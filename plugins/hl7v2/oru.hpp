// ORU^R01: one vital sign (SDK 1.10, EhrConnector::write_vital_signs) as
// an unsolicited observation result, HL7 v2.5.1, structure ORU_R01:
//
//   MSH PID PV1 OBR OBX [OBX]
//
// OBR-3 the observation's id (the filler order number), OBR-4 the vital's
// LOINC code (blood pressure: the panel 85354-9), OBR-7 when it was
// measured, OBR-25 F. One OBX of value type NM per component: OBX-3 the
// LOINC code (system LN; blood pressure: 8480-6 systolic, then 8462-4
// diastolic), OBX-5 the value (decimal, no exponent), OBX-6 the UCUM unit
// (system UCUM), OBX-11 F, OBX-14 when it was measured, OBX-16 the
// clinician who measured it (performer clinician with a practitioner id).
// PV1-19 carries the encounter as the visit number, as in the MDM^T02.
// Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/hl7v2/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::hl7v2 {

inline constexpr std::string_view kBloodPressurePanelLoinc = "85354-9";
inline constexpr std::string_view kSystolicLoinc = "8480-6";
inline constexpr std::string_view kDiastolicLoinc = "8462-4";

struct OruMessage {
  std::string control_id;      // MSH-10
  std::string observation_id;  // OBR-3.1: the created resource's id
  std::string text;            // the message in UTF-8 ER7
};

// MSH-10 and OBR-3 of the write with `idempotency_key`: the same key (one
// item in one version) always gives the same ones.
std::string oru_control_id(std::string_view idempotency_key);
std::string oru_observation_id(std::string_view idempotency_key);

// kInvalidArgument, not retryable, naming what is wrong and quoting no
// value, for a vital sign no ORU^R01 can carry: no code, no unit, no
// measurement time, a value that is not a finite number (blood pressure:
// a systolic or diastolic that is not a positive number), a performer
// other than "patient", "clinician" or none. Which codes and units the
// HIS takes is its own to say (it answers AE).
sdk::Status check_vital_sign(const sdk::VitalSignWrite& vital);

// The message for `vital` (check_vital_sign's errors), first sent at
// `sent_at_ms` (MSH-7); `patient` is what the feed delivered of
// vital.patient_id, if anything. The same arguments give the same bytes.
sdk::Result<OruMessage> vital_sign_oru(const sdk::VitalSignWrite& vital,
                                       const std::optional<sdk::PatientSummary>& patient,
                                       const Hl7v2Settings& settings, std::int64_t sent_at_ms);

// What the HIS's acknowledgement of `sent` means, as read_outbound_ack
// (outbound.hpp) says: AA/CA -> ResourceCreated{id = OBR-3}; AE/CE
// kInvalidArgument and AR/CR kFailedPrecondition, both permanent, quoting
// the HIS's reason; anything else kUnavailable, retryable.
sdk::Result<sdk::ResourceCreated> read_oru_ack(std::string_view ack, const OruMessage& sent);

}  // namespace wasl::plugins::hl7v2
