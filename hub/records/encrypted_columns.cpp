#include "hub/records/encrypted_columns.hpp"

#include <algorithm>

namespace wasl::records {

const std::vector<EncryptedTable>& encrypted_tables() {
  static const std::vector<EncryptedTable> tables = {
      {"consultations", {"id"}, {"patient_summary_enc", "practitioner_summary_enc"}},
      {"participants", {"id"}, {"display_name_enc"}},
      {"claims", {"id"}, {"request_enc", "response_enc"}},
      {"information_requests", {"id"}, {"request_enc", "answer_enc"}},
      {"billing_messages", {"id"}, {"message_enc"}},
      {"advanced_authorizations", {"id"}, {"patient_enc", "member_enc"}},
      {"reports", {"id"}, {"payload_enc"}},
      {"notification_outbox", {"id"}, {"recipient_enc", "message_enc"}},
      {"notification_contacts", {"facility_id", "consultation_id"}, {"contact_enc"}},
      {"workflow_runs", {"id"}, {"trigger_enc"}},
      {"workflow_steps", {"id"}, {"output_enc"}},
      {"workflow_events", {"id"}, {"payload_enc"}},
      {"inbox", {"id"}, {"body_enc", "headers_enc"}},
      {"idempotency_keys", {"facility_id", "key"}, {"response_enc"}},
      {"plugin_state", {"instance", "key"}, {"value"}},
      {"signin_people", {"id"}, {"subject_enc", "display_name_enc"}},
      {"signin_sessions", {"id_hash"}, {"id_token_enc"}},
      {"signin_attempts", {"state_hash"}, {"code_verifier_enc"}},
      {"clinical_notes", {"id"}, {"content_enc"}},
      {"prescriptions", {"id"}, {"details_enc", "cancel_reason_enc"}},
      {"vital_observations", {"id"}, {"value_enc"}},
      {"visit_summaries", {"id"}, {"html_enc", "pdf_enc"}},
      {"feedback_responses", {"id"}, {"response_enc"}},
      {"shared_documents", {"id"}, {"name_enc"}},
  };
  return tables;
}

const EncryptedTable* find_encrypted_table(std::string_view table) {
  for (const auto& t : encrypted_tables()) {
    if (t.table == table) return &t;
  }
  return nullptr;
}

bool is_encrypted_column(std::string_view table, std::string_view column) {
  const EncryptedTable* t = find_encrypted_table(table);
  return t != nullptr &&
         std::find(t->columns.begin(), t->columns.end(), column) != t->columns.end();
}

std::string encrypted_row_id(const std::vector<std::string>& key_values) {
  std::string out;
  for (std::size_t i = 0; i < key_values.size(); ++i) {
    if (i > 0) out.push_back(':');
    out += key_values[i];
  }
  return out;
}

}  // namespace wasl::records
