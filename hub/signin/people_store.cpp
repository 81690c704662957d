#include "hub/signin/people_store.hpp"

#include "hub/crypto/hex.hpp"
#include "hub/crypto/hmac.hpp"
#include "hub/crypto/random.hpp"

namespace wasl::signin {
namespace {

constexpr std::string_view kPeopleTable = "signin_people";
constexpr std::size_t kMaxIdsPerQuery = 200;

sdk::Result<std::string> new_person_id() {
  WASL_ASSIGN_OR_RETURN(std::string bytes, crypto::random_bytes(16));
  return "psn_" + crypto::to_hex(bytes);
}

}  // namespace

sdk::Result<std::string> PeopleStore::subject_index(std::string_view issuer,
                                                    std::string_view subject) const {
  std::string input = "wasl.signin-subject.v1";
  input.push_back('\0');
  input.append(issuer);
  input.push_back('\0');
  input.append(subject);
  auto keyring = cipher_.keyring();
  WASL_ASSIGN_OR_RETURN(std::string mac,
                        crypto::hmac_sha256(keyring->blind_index_key().view(), input));
  return crypto::to_hex(mac);
}

sdk::Result<std::optional<std::string>> PeopleStore::find_id(storage::Transaction& tx,
                                                             std::string_view provider,
                                                             std::string_view issuer,
                                                             std::string_view subject) const {
  WASL_ASSIGN_OR_RETURN(std::string index, subject_index(issuer, subject));
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT id FROM signin_people WHERE provider = $1 AND "
                                 "subject_index = $2",
                                 {std::string(provider), index}));
  if (rows.empty()) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(std::string id, rows.front().get_text(0));
  return std::optional<std::string>(std::move(id));
}

sdk::Result<PersonRecord> PeopleStore::sign_in(storage::Transaction& tx, std::string_view provider,
                                               std::string_view issuer, std::string_view subject,
                                               std::string_view display_name,
                                               std::int64_t now_ms) const {
  if (provider.empty() || issuer.empty() || subject.empty()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "a person needs a provider, an issuer and a subject", false);
  }
  WASL_ASSIGN_OR_RETURN(std::string index, subject_index(issuer, subject));
  WASL_ASSIGN_OR_RETURN(std::string fresh_id, new_person_id());
  WASL_ASSIGN_OR_RETURN(std::string subject_enc,
                        cipher_.encrypt(kPeopleTable, "subject_enc", fresh_id, subject));
  WASL_ASSIGN_OR_RETURN(std::string name_enc,
                        cipher_.encrypt(kPeopleTable, "display_name_enc", fresh_id, display_name));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO signin_people (id, provider, subject_index, subject_enc, display_name_enc, "
      "created_at, last_signin_at) VALUES ($1, $2, $3, $4, $5, $6, $6) "
      "ON CONFLICT (provider, subject_index) DO NOTHING",
      {fresh_id, std::string(provider), index, storage::Blob{subject_enc}, storage::Blob{name_enc},
       now_ms}));
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT id, created_at FROM signin_people WHERE provider = $1 "
                                 "AND subject_index = $2",
                                 {std::string(provider), index}));
  if (rows.empty()) {
    return sdk::Error(sdk::ErrorCode::kInternal, "the person just recorded cannot be read", true);
  }
  PersonRecord person;
  WASL_ASSIGN_OR_RETURN(person.id, rows.front().get_text(0));
  WASL_ASSIGN_OR_RETURN(person.created_at, rows.front().get_int(1));
  person.provider = std::string(provider);
  person.display_name = std::string(display_name);
  person.last_signin_at = now_ms;
  if (person.id != fresh_id) {
    // Known already: the name may have changed at the provider.
    WASL_ASSIGN_OR_RETURN(std::string renamed, cipher_.encrypt(kPeopleTable, "display_name_enc",
                                                               person.id, display_name));
    WASL_RETURN_IF_ERROR(
        tx.exec("UPDATE signin_people SET display_name_enc = $1, last_signin_at = $2 WHERE id = $3",
                {storage::Blob{renamed}, now_ms, person.id}));
  }
  return person;
}

sdk::Result<std::map<std::string, std::string>> PeopleStore::display_names(
    storage::Transaction& tx, const std::vector<std::string>& person_ids) const {
  std::map<std::string, std::string> names;
  for (std::size_t start = 0; start < person_ids.size(); start += kMaxIdsPerQuery) {
    const std::size_t end = std::min(person_ids.size(), start + kMaxIdsPerQuery);
    std::string sql = "SELECT id, display_name_enc FROM signin_people WHERE id IN (";
    storage::Params params;
    for (std::size_t i = start; i < end; ++i) {
      params.push_back(person_ids[i]);
      sql += (i > start ? ", $" : "$") + std::to_string(params.size());
    }
    sql += ")";
    WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
    for (const auto& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string id, row.get_text(0));
      WASL_ASSIGN_OR_RETURN(std::string enc, row.get_blob(1));
      WASL_ASSIGN_OR_RETURN(std::string name,
                            cipher_.decrypt(kPeopleTable, "display_name_enc", id, enc));
      names.emplace(std::move(id), std::move(name));
    }
  }
  return names;
}

}  // namespace wasl::signin
