#include "hub/crypto/blind_index.hpp"

#include "hub/crypto/hex.hpp"
#include "hub/crypto/hmac.hpp"

namespace wasl::crypto {

namespace {

constexpr std::string_view kDomain = "wasl.blind-index.v1";

sdk::Error invalid(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message));
}

// Reads one digit at value[i] (ASCII, Arabic-Indic or Eastern Arabic-Indic
// in UTF-8), returning its ASCII form and advancing i; 0 if not a digit.
char take_digit(std::string_view value, std::size_t& i) {
  auto c = static_cast<unsigned char>(value[i]);
  if (c >= '0' && c <= '9') {
    ++i;
    return static_cast<char>(c);
  }
  if (i + 1 < value.size()) {
    auto c2 = static_cast<unsigned char>(value[i + 1]);
    if (c == 0xD9 && c2 >= 0xA0 && c2 <= 0xA9) {  // U+0660..U+0669
      i += 2;
      return static_cast<char>('0' + (c2 - 0xA0));
    }
    if (c == 0xDB && c2 >= 0xB0 && c2 <= 0xB9) {  // U+06F0..U+06F9
      i += 2;
      return static_cast<char>('0' + (c2 - 0xB0));
    }
  }
  return 0;
}

// Digits of `value` with the separators in `skip` dropped; false if any
// other character appears. A leading '+' is kept when allow_plus.
bool digits_only(std::string_view value, std::string_view skip, bool allow_plus, std::string& out) {
  for (std::size_t i = 0; i < value.size();) {
    char d = take_digit(value, i);
    if (d != 0) {
      out.push_back(d);
      continue;
    }
    char c = value[i];
    if (allow_plus && c == '+' && out.empty()) {
      out.push_back('+');
      ++i;
      continue;
    }
    if (skip.find(c) == std::string_view::npos) return false;
    ++i;
  }
  return true;
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

sdk::Result<std::string> normalize_national_id(std::string_view value) {
  std::string digits;
  if (!digits_only(value, " -", false, digits) || digits.size() != 10 ||
      (digits[0] != '1' && digits[0] != '2')) {
    return invalid("a national ID or iqama number must be 10 digits starting with 1 or 2");
  }
  return digits;
}

sdk::Result<std::string> normalize_mrn(std::string_view value) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  if (value.empty()) return invalid("a medical record number must not be empty");
  std::string out(value);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

sdk::Result<std::string> normalize_phone(std::string_view value) {
  auto bad = [] {
    return invalid(
        "a phone number must be in E.164 (+CC…), Saudi local (05XXXXXXXX) or 00-prefixed "
        "international form");
  };
  std::string s;
  if (!digits_only(value, " -().", true, s)) return bad();
  if (s.rfind("00", 0) == 0) s = "+" + s.substr(2);
  if (s.empty()) return bad();
  if (s[0] != '+') {
    if (s.size() == 10 && s.rfind("05", 0) == 0) {
      s = "+966" + s.substr(1);
    } else if (s.size() == 9 && s[0] == '5') {
      s = "+966" + s;
    } else if (s.size() == 12 && s.rfind("9665", 0) == 0) {
      s = "+" + s;
    } else {
      return bad();
    }
  }
  std::string_view digits = std::string_view(s).substr(1);
  if (!all_digits(digits) || digits.size() < 8 || digits.size() > 15 || digits[0] == '0') {
    return bad();
  }
  // A Saudi number written with the trunk zero after the country code.
  if (digits.rfind("9660", 0) == 0) {
    s = "+966" + std::string(digits.substr(4));
    if (s.size() < 9) return bad();
  }
  return s;
}

sdk::Result<std::string> normalize_email(std::string_view value) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
  const std::size_t at = value.find('@');
  if (value.size() > 254 || at == 0 || at == std::string_view::npos || at + 1 == value.size() ||
      value.find('@', at + 1) != std::string_view::npos) {
    return invalid("an e-mail address must be local@domain, at most 254 characters");
  }
  std::string out(value);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) <= ' ') {
      return invalid("an e-mail address must not contain spaces or control characters");
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string_view to_string(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kNationalId: return "national_id";
    case IdentifierKind::kMrn: return "mrn";
    case IdentifierKind::kPhone: return "phone";
    case IdentifierKind::kEmail: return "email";
  }
  return "unknown";
}

sdk::Result<std::string> normalize_identifier(IdentifierKind kind, std::string_view value) {
  switch (kind) {
    case IdentifierKind::kNationalId: return normalize_national_id(value);
    case IdentifierKind::kMrn: return normalize_mrn(value);
    case IdentifierKind::kPhone: return normalize_phone(value);
    case IdentifierKind::kEmail: return normalize_email(value);
  }
  return invalid("unknown identifier kind");
}

BlindIndex::BlindIndex(std::shared_ptr<const Keyring> keyring) : keyring_(std::move(keyring)) {}

sdk::Result<std::string> BlindIndex::compute(IdentifierKind kind, std::string_view value) const {
  WASL_ASSIGN_OR_RETURN(std::string normalized, normalize_identifier(kind, value));
  std::string input;
  input.reserve(kDomain.size() + 16 + normalized.size());
  input.append(kDomain);
  input.push_back('\0');
  input.append(to_string(kind));
  input.push_back('\0');
  input.append(normalized);
  WASL_ASSIGN_OR_RETURN(std::string mac, hmac_sha256(keyring_->blind_index_key().view(), input));
  return to_hex(mac);
}

}  // namespace wasl::crypto
