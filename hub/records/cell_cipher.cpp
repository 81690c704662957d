#include "hub/records/cell_cipher.hpp"

#include "hub/records/encrypted_columns.hpp"

namespace wasl::records {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

std::string cell_name(std::string_view table, std::string_view column, std::string_view row_id) {
  return std::string(table) + "." + std::string(column) + " of row " + std::string(row_id);
}

}  // namespace

CellCipher::CellCipher(std::shared_ptr<const crypto::Keyring> keyring)
    : keyring_(std::move(keyring)) {}

Result<std::string> CellCipher::encrypt(std::string_view table, std::string_view column,
                                        std::string_view row_id, std::string_view plaintext) const {
  if (!is_encrypted_column(table, column)) {
    return Error(ErrorCode::kInternal,
                 std::string(table) + "." + std::string(column) +
                     " is not in the encrypted column registry (encrypted_columns.cpp); add it "
                     "there so key rotation covers it");
  }
  crypto::CellAead cipher(keyring());
  auto out = cipher.encrypt({table, column, row_id}, plaintext);
  if (!out.ok()) {
    return Error(out.error().code,
                 "cannot encrypt " + cell_name(table, column, row_id) + ": " + out.error().message);
  }
  return std::move(out).value();
}

Result<std::string> CellCipher::decrypt(std::string_view table, std::string_view column,
                                        std::string_view row_id,
                                        std::string_view ciphertext) const {
  crypto::CellAead cipher(keyring());
  auto out = cipher.decrypt({table, column, row_id}, ciphertext);
  if (!out.ok()) {
    return Error(out.error().code,
                 "cannot decrypt " + cell_name(table, column, row_id) + ": " + out.error().message);
  }
  return std::move(out).value();
}

Result<std::string> CellCipher::blind_index(crypto::IdentifierKind kind,
                                            std::string_view value) const {
  crypto::BlindIndex index(keyring());
  return index.compute(kind, value);
}

void CellCipher::replace_keyring(std::shared_ptr<const crypto::Keyring> keyring) {
  std::lock_guard lock(mu_);
  keyring_ = std::move(keyring);
}

std::shared_ptr<const crypto::Keyring> CellCipher::keyring() const {
  std::lock_guard lock(mu_);
  return keyring_;
}

std::string CellCipher::active_key_id() const { return keyring()->active_key_id(); }

}  // namespace wasl::records
