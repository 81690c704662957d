// What every message the plugin sends the HIS shares: the components of a
// field, the segments MSH, PID and PV1, and how the HIS's acknowledgement
// is read. The message builders (mdm.hpp, oru.hpp) use them. Pure and
// thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/hl7v2/er7_writer.hpp"
#include "plugins/hl7v2/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::hl7v2 {

// The HL7 version of every message written.
inline constexpr std::string_view kOutboundVersion = "2.5.1";

// `parts` escaped (er7_escape) and joined by '^', trailing empty ones dropped.
std::string er7_components(std::initializer_list<std::string_view> parts);

// "W" and 19 hex digits of SHA-256(`scope` "|" `idempotency_key`): the MSH-10
// (at most 20 characters, as ST allows) of the write with that key.
std::string outbound_control_id(std::string_view scope, std::string_view idempotency_key);

// MSH: sender settings.receiving_application and receiving_facility, MSH-7
// `sent_at_ms` (whole seconds, with the settings' offset), MSH-9
// `message_type` as given ("MDM^T02^MDM_T02"), MSH-10 `control_id`, MSH-11
// P, MSH-12 kOutboundVersion, MSH-18 settings.outbound.charset.
void write_msh(::wasl::hl7v2::Er7Writer& writer, std::string_view message_type,
               const std::string& control_id, const Hl7v2Settings& settings,
               std::int64_t sent_at_ms);

// PID: PID-3 `patient_id` with CX.5 settings.patient_id_from; name, birth
// date and sex when `patient` (what the feed delivered) is known.
void write_pid(::wasl::hl7v2::Er7Writer& writer, const std::string& patient_id,
               const std::optional<sdk::PatientSummary>& patient, const Hl7v2Settings& settings);

// PV1: class O, PV1-7 `practitioner_id`, PV1-19 (the visit number)
// `encounter_id`; either may be empty.
void write_pv1(::wasl::hl7v2::Er7Writer& writer, const std::string& practitioner_id,
               const std::string& encounter_id);

// What the HIS's acknowledgement (UTF-8 ER7) of the `kind` message
// ("MDM", "ORU") `control_id` means:
// AA/CA -> ResourceCreated{id = `resource_id`, created = true};
// AE/CE -> kInvalidArgument, AR/CR -> kFailedPrecondition, both permanent and
// quoting the ERR (ERR-8, else ERR-3's text, else MSA-3) cut to 200 bytes;
// an answer that is not an ACK of this message -> kUnavailable (retryable).
sdk::Result<sdk::ResourceCreated> read_outbound_ack(std::string_view ack, std::string_view kind,
                                                    const std::string& control_id,
                                                    const std::string& resource_id);

}  // namespace wasl::plugins::hl7v2
