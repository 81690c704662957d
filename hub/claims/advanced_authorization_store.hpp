// AdvancedAuthorizationStore: the authorizations a payer granted a
// facility's patient unasked (NPHIES advanced-authorization, polled with
// the billing messages and stored by polled_message_router.hpp in the
// transaction of their billing_messages row), kept against the patient and
// the coverage they name (advanced_authorizations).
//
// The patient's identifiers and the coverage's member id are PHI: stored
// encrypted (patient_enc, member_enc), and found by their blind index
// (records::CellCipher::blind_index): the patient by the first of its
// identifiers that is valid as a national id or iqama, else as an MRN (a
// lookup tries both); the coverage by its member id normalised as an MRN
// (trimmed, letters upper-cased). The preAuthRef, the period and the
// payer's identifier of the authorization are in clear for the listing.
//
// Every method takes the caller's transaction and facility id, which every
// statement filters on (another facility's authorization is kNotFound,
// exactly like a missing one). insert() writes its audit event
// (advanced_authorization.receive) in that transaction.
//
// Thread-safe: holds only a borrowed CellCipher and AuditWriter.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

struct AdvancedAuthorizationRow {
  std::string id;
  std::string facility_id;
  std::string billing_message_id;           // the message it came in
  std::string response_system;              // the payer's identifier of the authorization
  std::string response_id;                  // (unique per facility with its system)
  std::string pre_auth_ref;                 // what a claim cites to use it
  std::optional<std::string> period_start;  // YYYY-MM-DD, the exchange's civil date
  std::optional<std::string> period_end;
  std::vector<sdk::Identifier> patient_identifiers;  // PHI
  std::string member_id;                             // the coverage's member id (PHI)
  std::int64_t received_at = 0;
};

struct AdvancedAuthorizationQuery {
  std::optional<std::string> patient;   // one of the patient's identifiers, as written
  std::optional<std::string> coverage;  // the coverage's member id
  std::size_t limit = 100;
};

class AdvancedAuthorizationStore {
 public:
  AdvancedAuthorizationStore(const records::CellCipher& cipher, const audit::AuditWriter& audit)
      : cipher_(cipher), audit_(audit) {}

  // Inserts `a` (id set by the caller) and audits advanced_authorization
  // .receive by `actor`. False when the facility already holds the payer's
  // authorization (response_system, response_id): nothing written.
  sdk::Result<bool> insert(storage::Transaction& tx, const AdvancedAuthorizationRow& a,
                           const audit::AuditActor& actor) const;

  // The authorization, decrypted.
  sdk::Result<AdvancedAuthorizationRow> get(storage::Transaction& tx, std::string_view facility_id,
                                            std::string_view id) const;

  // The facility's authorizations naming the patient and the coverage `q`
  // gives (each only when given), newest first, decrypted. A patient or
  // coverage no identifier can be normalised as matches nothing.
  sdk::Result<std::vector<AdvancedAuthorizationRow>> list(
      storage::Transaction& tx, std::string_view facility_id,
      const AdvancedAuthorizationQuery& q) const;

 private:
  sdk::Result<AdvancedAuthorizationRow> from_row(const storage::Row& row) const;

  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
};

}  // namespace wasl::claims
