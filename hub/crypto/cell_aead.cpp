#include "hub/crypto/cell_aead.hpp"

#include <cstring>

#include "hub/crypto/aead.hpp"
#include "hub/crypto/random.hpp"

namespace wasl::crypto {

namespace {

constexpr unsigned char kCellVersion = 0x01;
constexpr std::string_view kCellDomain = "wasl.field.v1";
constexpr std::size_t kMaxKeyIdSize = 64;

void append_length_prefixed(std::string& out, std::string_view part) {
  auto n = static_cast<std::uint32_t>(part.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(part);
}

std::string associated_data(const CellLocation& where, std::string_view header) {
  std::string aad;
  aad.reserve(kCellDomain.size() + 12 + where.table.size() + where.column.size() +
              where.row_id.size() + header.size());
  aad.append(kCellDomain);
  append_length_prefixed(aad, where.table);
  append_length_prefixed(aad, where.column);
  append_length_prefixed(aad, where.row_id);
  aad.append(header);
  return aad;
}

struct ParsedHeader {
  std::string_view key_id;
  std::size_t header_size = 0;  // version .. nonce inclusive
};

sdk::Result<ParsedHeader> parse_header(std::string_view ct) {
  if (ct.size() < 2) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "field ciphertext is truncated");
  }
  if (static_cast<unsigned char>(ct[0]) != kCellVersion) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "field ciphertext has an unknown format version " +
                          std::to_string(static_cast<unsigned char>(ct[0])));
  }
  std::size_t id_size = static_cast<unsigned char>(ct[1]);
  if (id_size == 0 || id_size > kMaxKeyIdSize) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "field ciphertext has a malformed key id");
  }
  std::size_t header_size = 2 + id_size + kGcmNonceSize;
  if (ct.size() < header_size + kGcmTagSize) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "field ciphertext is truncated");
  }
  return ParsedHeader{ct.substr(2, id_size), header_size};
}

}  // namespace

CellAead::CellAead(std::shared_ptr<const Keyring> keyring) : keyring_(std::move(keyring)) {}

sdk::Result<std::string> CellAead::encrypt(const CellLocation& where,
                                           std::string_view plaintext) const {
  const std::string& key_id = keyring_->active_key_id();
  std::size_t header_size = 2 + key_id.size() + kGcmNonceSize;
  std::string out(ciphertext_size(plaintext.size(), key_id.size()), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  o[0] = kCellVersion;
  o[1] = static_cast<unsigned char>(key_id.size());
  std::memcpy(o + 2, key_id.data(), key_id.size());
  unsigned char* nonce = o + 2 + key_id.size();
  WASL_RETURN_IF_ERROR(fill_random(nonce, kGcmNonceSize));

  std::string aad = associated_data(where, std::string_view(out).substr(0, header_size));
  WASL_ASSIGN_OR_RETURN(
      auto gcm, Aes256Gcm::create(keyring_->active_key().view(), Aes256Gcm::Direction::kSeal));
  WASL_RETURN_IF_ERROR(
      gcm.seal(nonce, aad, reinterpret_cast<const unsigned char*>(plaintext.data()),
               plaintext.size(), o + header_size, o + header_size + plaintext.size()));
  return out;
}

sdk::Result<std::string> CellAead::decrypt(const CellLocation& where,
                                           std::string_view ciphertext) const {
  WASL_ASSIGN_OR_RETURN(ParsedHeader header, parse_header(ciphertext));
  WASL_ASSIGN_OR_RETURN(const SecretBytes* key, keyring_->decryption_key(header.key_id));
  std::size_t body_size = ciphertext.size() - header.header_size - kGcmTagSize;
  const auto* in = reinterpret_cast<const unsigned char*>(ciphertext.data());
  std::string aad = associated_data(where, ciphertext.substr(0, header.header_size));
  WASL_ASSIGN_OR_RETURN(auto gcm, Aes256Gcm::create(key->view(), Aes256Gcm::Direction::kOpen));
  std::string plaintext(body_size, '\0');
  auto status = gcm.open(in + header.header_size - kGcmNonceSize, aad, in + header.header_size,
                         body_size, in + header.header_size + body_size,
                         reinterpret_cast<unsigned char*>(plaintext.data()));
  if (!status.ok()) {
    if (status.error().code == sdk::ErrorCode::kInvalidArgument) {
      // Unverified bytes never leave this function.
      std::memset(plaintext.data(), 0, plaintext.size());
      return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                        "field ciphertext failed authentication: it was altered or belongs to "
                        "another table, column or row");
    }
    return std::move(status).error();
  }
  return plaintext;
}

sdk::Result<std::string> CellAead::key_id_of(std::string_view ciphertext) {
  WASL_ASSIGN_OR_RETURN(ParsedHeader header, parse_header(ciphertext));
  return std::string(header.key_id);
}

}  // namespace wasl::crypto
