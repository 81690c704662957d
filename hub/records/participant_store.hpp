// ParticipantStore: the people of a consultation's session, with display
// names encrypted (participants.display_name_enc).
//
// Same contract as ConsultationStore: the caller's transaction, the
// caller's facility id filtered in every statement (another facility's
// consultation or participant is kNotFound, exactly like a missing one),
// thread-safe, CellCipher borrowed and outliving the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/domain/consultation.hpp"
#include "hub/domain/participant.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

class ParticipantStore {
 public:
  explicit ParticipantStore(const CellCipher& cipher) : cipher_(cipher) {}

  // Inserts `p` into consultation p.consultation_id of facility p.facility_id.
  // kNotFound when that consultation is not in that facility.
  sdk::Status insert(storage::Transaction& tx, const domain::Participant& p) const;

  sdk::Result<domain::Participant> get(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view consultation_id,
                                       std::string_view participant_id) const;

  // The consultation's participants in the order they were added. Removed
  // ones only with `include_removed`. An unknown consultation gives an
  // empty list.
  sdk::Result<std::vector<domain::Participant>> list(storage::Transaction& tx,
                                                     std::string_view facility_id,
                                                     std::string_view consultation_id,
                                                     bool include_removed = false) const;

  // Participants not removed (for the per-type participant limit).
  sdk::Result<std::int64_t> count_present(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view consultation_id) const;

  // Whether a participant of the consultation that is `practitioner`
  // ("Practitioner/3") is admitted now (not waiting, not removed).
  sdk::Result<bool> practitioner_admitted(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view consultation_id,
                                          std::string_view practitioner) const;

  // waiting → admitted (admitted_at = now). Admitting an admitted participant
  // changes nothing; a removed one is kFailedPrecondition.
  sdk::Result<domain::Participant> admit(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view consultation_id,
                                         std::string_view participant_id,
                                         std::int64_t now_ms) const;

  // Any state → removed (removed_at = now); removing twice changes nothing.
  sdk::Result<domain::Participant> remove(storage::Transaction& tx, std::string_view facility_id,
                                          std::string_view consultation_id,
                                          std::string_view participant_id,
                                          std::int64_t now_ms) const;

  // The participant of `facility_id` the video provider knows as
  // `provider_participant_id` in room `room_id` of instance `video_instance`
  // (the consultation's video_instance and video_room_id), removed ones
  // included; none when no consultation of this facility holds that room or
  // no participant of it has that provider id.
  sdk::Result<std::optional<domain::Participant>> find_in_room(
      storage::Transaction& tx, std::string_view facility_id, std::string_view video_instance,
      std::string_view room_id, std::string_view provider_participant_id) const;

  // Records what the video provider issued for this participant.
  sdk::Status set_token(storage::Transaction& tx, std::string_view facility_id,
                        std::string_view consultation_id, std::string_view participant_id,
                        std::string_view provider_participant_id,
                        std::int64_t token_expires_at_ms) const;

  // Records the patient's preferred gender of the practitioner
  // (participants.gender_preference). kNotFound when the participant is not
  // in the facility.
  sdk::Status set_gender_preference(storage::Transaction& tx, std::string_view facility_id,
                                    std::string_view participant_id,
                                    domain::GenderPreference preference) const;

 private:
  sdk::Result<domain::Participant> from_row(const storage::Row& row) const;

  const CellCipher& cipher_;
};

}  // namespace wasl::records
