// The MDM^T02 (original document notification and content) messages Wasl
// sends the HIS to write back, and the reading of the HIS's answer.
//
//   MSH  MSH-3/4 the hub's names (settings), MSH-10 derived from the write's
//        idempotency key, MSH-12 2.5.1, MSH-18 the outbound character set;
//   EVN  T02 at the time of sending;
//   PID  PID-3 the patient's id (typed settings.patient_id_from), with the
//        name, birth date and sex the feed delivered when it did;
//   PV1  class O, PV1-7 the practitioner, PV1-19 the encounter (documents);
//   TXA  TXA-12 the unique document number, derived from the idempotency
//        key; TXA-17 AU (authenticated), TXA-19 AV (available);
//   OBX  create_encounter: one TX, the virtual encounter's summary (class,
//        status, start and end, appointment, participants); then one DR
//        (date/time range) per attendance period of each participant:
//        OBX-3 ATTEND-PATIENT, ATTEND-CLINICIAN, ATTEND-INTERPRETER or
//        ATTEND-GUEST (local code L), OBX-4 the participant's number
//        (1, 2, … in the request's order, so periods of one person share
//        it), OBX-5 start^end (DTM with offset; no end while still open),
//        OBX-16 the practitioner's id for a clinician the EHR knows;
//        attach_document: the content (RP: the recording's link; TX: inline
//        text; ED: other inline content in base64), then its SHA-256 (ST)
//        and size in bytes (NM) when known.
// The same request and `sent_at_ms` always give the same bytes, so a retry
// is the same message. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/hl7v2/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::hl7v2 {

struct MdmMessage {
  std::string control_id;       // MSH-10
  std::string document_number;  // TXA-12.1: the created resource's id
  std::string text;             // the message in UTF-8 ER7
};

// MSH-10 and TXA-12 of the write with `idempotency_key`.
std::string mdm_control_id(std::string_view idempotency_key);
std::string mdm_document_number(std::string_view idempotency_key);

// `patient` is what the feed delivered of request.patient_id, if anything.
MdmMessage encounter_mdm(const sdk::EncounterRequest& request,
                         const std::optional<sdk::PatientSummary>& patient,
                         const Hl7v2Settings& settings, std::int64_t sent_at_ms);
// kInvalidArgument when data_base64 is not base64.
sdk::Result<MdmMessage> document_mdm(const sdk::DocumentRequest& request,
                                     const std::optional<sdk::PatientSummary>& patient,
                                     const Hl7v2Settings& settings, std::int64_t sent_at_ms);

// What the HIS's acknowledgement (UTF-8 ER7) of `sent` means:
// AA/CA -> ResourceCreated{id = TXA-12};
// AE/CE -> kInvalidArgument, AR/CR -> kFailedPrecondition, both permanent and
// quoting the ERR (ERR-8, else ERR-3's text, else MSA-3) cut to 200 bytes;
// an answer that is not an ACK of this message -> kUnavailable (retryable).
sdk::Result<sdk::ResourceCreated> read_mdm_ack(std::string_view ack, const MdmMessage& sent);

}  // namespace wasl::plugins::hl7v2
