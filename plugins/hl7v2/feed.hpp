// Hl7v2Feed: the feed capability (sdk::MessageFeed) for HL7 v2 ER7 messages
// an HIS sends over MLLP. accept() decodes the bytes to UTF-8 (MSH-18, else
// the default_charset setting), parses them, keeps what they say in the
// instance state (StateRecords) and answers the events and the
// acknowledgement (original or enhanced mode, per MSH-15/16):
//
//   SIU^S12/S13/S14/S15/S17/S26   -> "appointment.updated", Appointment/<id>
//   ADT^A04/A08/A31 (+ IN1)       -> "patient.updated", Patient/<id>
//   ADT^A40                       -> "patient.updated" per surviving patient
//   any other type or trigger     -> AR with ERR 200/201 and one
//                                    "hl7v2.unsupported" event (kept unmatched,
//                                    replayable)
//   a truncated message           -> AR with ERR 207, no event
//   a message that breaks ER7 or the mapping -> AR/AE with ERR, no event
//
// Events: dedupe_key "<MSH-3>^<MSH-4>|<MSH-10>" ("|<n>" appended, from 1,
// when the message yields several); occurred_at_ms from MSH-7; payload
// {message_type, trigger, control_id}: no PHI. The acknowledgement's control
// id is derived from the sender and MSH-10, so a resend gets the same one.
// kInvalidArgument only for bytes whose MSH cannot be read (not base64, no
// MSH). Thread-safe.
#pragma once

#include <string>

#include "plugins/hl7v2/settings.hpp"
#include "plugins/hl7v2/state_records.hpp"
#include "wasl/sdk/feed.hpp"
#include "wasl/sdk/host.hpp"

namespace wasl::plugins::hl7v2 {

class Hl7v2Feed final : public sdk::MessageFeed {
 public:
  // `host` outlives the feed.
  Hl7v2Feed(sdk::Host& host, Hl7v2Settings settings);

  sdk::Result<sdk::FeedAnswer> accept(const sdk::FeedMessage& message) override;

 private:
  sdk::Host& host_;
  const Hl7v2Settings settings_;
  StateRecords records_;
};

}  // namespace wasl::plugins::hl7v2
