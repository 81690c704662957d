// The registry of encrypted columns: every database column that holds a
// crypto::CellAead ciphertext, declared once. records::CellCipher refuses to
// encrypt into a column missing here, and the key rotation job and
// usage_by_key() walk exactly this list, so a column cannot be encrypted yet
// escape rotation.
//
// Row ids (the associated data's row part) are the values of the table's
// key columns joined with ':' — e.g. consultations: the id;
// idempotency_keys: "<facility_id>:<key>".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wasl::records {

struct EncryptedTable {
  std::string_view table;
  // The primary key, in order; rows are walked in this order.
  std::vector<std::string_view> key_columns;
  // The ciphertext columns (BLOB / BYTEA, NULL when absent).
  std::vector<std::string_view> columns;
};

// All encrypted tables, in the order the rotation job walks them.
const std::vector<EncryptedTable>& encrypted_tables();

// The entry for `table`, or nullptr.
const EncryptedTable* find_encrypted_table(std::string_view table);

// Whether `table`.`column` is a registered ciphertext column.
bool is_encrypted_column(std::string_view table, std::string_view column);

// The row id of a row whose key column values are `key_values` (joined with ':').
std::string encrypted_row_id(const std::vector<std::string>& key_values);

}  // namespace wasl::records
