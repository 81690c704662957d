// PeopleStore: the people an identity provider vouched for (signin_people).
// A person is the hub's id ("psn_<hex>") for one (provider, issuer, subject);
// the subject and the name the provider gives are personal data, kept only
// encrypted (records::CellCipher), and the row is found by subject_index:
// HMAC-SHA-256 under the key ring's blind-index key of
// "wasl.signin-subject.v1" 0x00 issuer 0x00 subject (the records' blind
// index normalizes patient identifiers, which a subject is not).
//
// Facility-free: a person may hold roles in several facilities; each session
// names one. Works in the caller's transaction. Thread-safe: holds only a
// borrowed CellCipher.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::signin {

struct PersonRecord {
  std::string id;  // "psn_" + 32 hex
  std::string provider;
  std::string display_name;
  std::int64_t created_at = 0;      // epoch ms UTC
  std::int64_t last_signin_at = 0;  // epoch ms UTC
};

class PeopleStore {
 public:
  explicit PeopleStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // The person of (provider, issuer, subject), made at their first sign-in;
  // their display name and last_signin_at are set to these. Two hubs signing
  // the same person in at once find one row. kInvalidArgument for an empty
  // provider, issuer or subject; storage and cipher errors as reported.
  sdk::Result<PersonRecord> sign_in(storage::Transaction& tx, std::string_view provider,
                                    std::string_view issuer, std::string_view subject,
                                    std::string_view display_name, std::int64_t now_ms) const;

  // The person's id, nullopt when they never signed in.
  sdk::Result<std::optional<std::string>> find_id(storage::Transaction& tx,
                                                  std::string_view provider,
                                                  std::string_view issuer,
                                                  std::string_view subject) const;

  // The display names of `person_ids` (the audit listing's actor_name); ids
  // with no row are left out.
  sdk::Result<std::map<std::string, std::string>> display_names(
      storage::Transaction& tx, const std::vector<std::string>& person_ids) const;

  // The subject_index of (issuer, subject): 64 lowercase hex.
  sdk::Result<std::string> subject_index(std::string_view issuer, std::string_view subject) const;

 private:
  const records::CellCipher& cipher_;
};

}  // namespace wasl::signin
