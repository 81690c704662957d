#include "hub/claims/advanced_authorization_store.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "hub/crypto/blind_index.hpp"
#include "hub/records/row_fields.hpp"

namespace wasl::claims {

using records::row_fields::not_found;
using records::row_fields::optional_text;
using records::row_fields::text_or_null;
using sdk::Result;

namespace {

constexpr std::string_view kTable = "advanced_authorizations";
constexpr std::string_view kPatientColumn = "patient_enc";
constexpr std::string_view kMemberColumn = "member_enc";
constexpr const char* kColumns =
    "SELECT id, facility_id, billing_message_id, response_system, response_id, pre_auth_ref, "
    "period_start, period_end, patient_enc, member_enc, received_at FROM advanced_authorizations ";

// The kinds a patient identifier is fingerprinted as, in order.
constexpr crypto::IdentifierKind kPatientKinds[] = {crypto::IdentifierKind::kNationalId,
                                                    crypto::IdentifierKind::kMrn};

// The blind index a patient is found by: its first identifier valid as a
// national id or iqama, else its first valid as an MRN; null when none is.
Result<storage::Value> patient_index(const records::CellCipher& cipher,
                                     const std::vector<sdk::Identifier>& identifiers) {
  for (crypto::IdentifierKind kind : kPatientKinds) {
    for (const sdk::Identifier& id : identifiers) {
      auto index = cipher.blind_index(kind, id.value);
      if (index.ok()) return storage::Value(std::move(index).value());
    }
  }
  return storage::null_value();
}

}  // namespace

Result<AdvancedAuthorizationRow> AdvancedAuthorizationStore::from_row(
    const storage::Row& row) const {
  AdvancedAuthorizationRow a;
  WASL_ASSIGN_OR_RETURN(a.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(a.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(a.billing_message_id, row.get_text("billing_message_id"));
  WASL_ASSIGN_OR_RETURN(a.response_system, row.get_text("response_system"));
  WASL_ASSIGN_OR_RETURN(a.response_id, row.get_text("response_id"));
  WASL_ASSIGN_OR_RETURN(a.pre_auth_ref, row.get_text("pre_auth_ref"));
  WASL_ASSIGN_OR_RETURN(a.period_start, optional_text(row, "period_start"));
  WASL_ASSIGN_OR_RETURN(a.period_end, optional_text(row, "period_end"));
  WASL_ASSIGN_OR_RETURN(a.received_at, row.get_int("received_at"));
  WASL_ASSIGN_OR_RETURN(std::string patient_enc, row.get_blob("patient_enc"));
  WASL_ASSIGN_OR_RETURN(std::string patient,
                        cipher_.decrypt(kTable, kPatientColumn, a.id, patient_enc));
  auto identifiers = nlohmann::json::parse(patient, nullptr, false);
  if (!identifiers.is_array()) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "advanced authorization " + a.id + " holds unreadable patient identifiers");
  }
  a.patient_identifiers = identifiers.get<std::vector<sdk::Identifier>>();
  WASL_ASSIGN_OR_RETURN(std::string member_enc, row.get_blob("member_enc"));
  WASL_ASSIGN_OR_RETURN(a.member_id, cipher_.decrypt(kTable, kMemberColumn, a.id, member_enc));
  return a;
}

Result<bool> AdvancedAuthorizationStore::insert(storage::Transaction& tx,
                                                const AdvancedAuthorizationRow& a,
                                                const audit::AuditActor& actor) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT id FROM advanced_authorizations WHERE facility_id = $1 "
                                 "AND response_system = $2 AND response_id = $3",
                                 {a.facility_id, a.response_system, a.response_id}));
  if (!existing.empty()) return false;
  WASL_ASSIGN_OR_RETURN(
      std::string patient_enc,
      cipher_.encrypt(kTable, kPatientColumn, a.id, nlohmann::json(a.patient_identifiers).dump()));
  WASL_ASSIGN_OR_RETURN(std::string member_enc,
                        cipher_.encrypt(kTable, kMemberColumn, a.id, a.member_id));
  WASL_ASSIGN_OR_RETURN(storage::Value patient, patient_index(cipher_, a.patient_identifiers));
  storage::Value member = storage::null_value();
  if (auto index = cipher_.blind_index(crypto::IdentifierKind::kMrn, a.member_id); index.ok()) {
    member = std::move(index).value();
  }
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO advanced_authorizations (id, facility_id, billing_message_id, "
              "response_system, response_id, pre_auth_ref, period_start, period_end, patient_enc, "
              "patient_index, member_enc, member_index, received_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
              {a.id, a.facility_id, a.billing_message_id, a.response_system, a.response_id,
               a.pre_auth_ref, text_or_null(a.period_start), text_or_null(a.period_end),
               storage::Blob{std::move(patient_enc)}, std::move(patient),
               storage::Blob{std::move(member_enc)}, std::move(member), a.received_at}));
  audit::AuditEvent event;
  event.occurred_at = a.received_at;
  event.actor = actor.actor.empty() ? "system" : actor.actor;
  event.session = actor.session;
  event.facility_id = a.facility_id;
  event.action = "advanced_authorization.receive";
  event.entity_type = "advanced_authorization";
  event.entity_id = a.id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.detail =
      nlohmann::json{{"billing_message_id", a.billing_message_id}, {"pre_auth_ref", a.pre_auth_ref}}
          .dump();
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  return true;
}

Result<AdvancedAuthorizationRow> AdvancedAuthorizationStore::get(storage::Transaction& tx,
                                                                 std::string_view facility_id,
                                                                 std::string_view id) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kColumns) + "WHERE facility_id = $1 AND id = $2",
                                 {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found("advanced authorization", id);
  return from_row(rows.front());
}

Result<std::vector<AdvancedAuthorizationRow>> AdvancedAuthorizationStore::list(
    storage::Transaction& tx, std::string_view facility_id,
    const AdvancedAuthorizationQuery& q) const {
  std::string sql = std::string(kColumns) + "WHERE facility_id = $1";
  storage::Params params{std::string(facility_id)};
  auto param = [&params](storage::Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  if (q.patient) {
    std::vector<std::string> candidates;
    for (crypto::IdentifierKind kind : kPatientKinds) {
      auto index = cipher_.blind_index(kind, *q.patient);
      if (index.ok()) candidates.push_back(param(std::move(index).value()));
    }
    if (candidates.empty()) return std::vector<AdvancedAuthorizationRow>{};
    sql += " AND patient_index IN (";
    for (std::size_t i = 0; i < candidates.size(); ++i) sql += (i ? ", " : "") + candidates[i];
    sql += ")";
  }
  if (q.coverage) {
    auto index = cipher_.blind_index(crypto::IdentifierKind::kMrn, *q.coverage);
    if (!index.ok()) return std::vector<AdvancedAuthorizationRow>{};
    sql += " AND member_index = " + param(std::move(index).value());
  }
  sql += " ORDER BY received_at DESC, id DESC LIMIT " + param(static_cast<std::int64_t>(q.limit));
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  std::vector<AdvancedAuthorizationRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(AdvancedAuthorizationRow a, from_row(row));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace wasl::claims
