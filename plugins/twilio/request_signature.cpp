#include "plugins/twilio/request_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>

#include <utf8.h>

#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::twilio {
namespace {

// UTF-16 code units of a UTF-8 string (utfcpp); each invalid sequence
// becomes one U+FFFD, as a JavaScript decoder makes it.
std::u16string to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  if (utf8::is_valid(s.begin(), s.end())) {
    utf8::utf8to16(s.begin(), s.end(), std::back_inserter(out));
    return out;
  }
  std::string replaced;
  utf8::replace_invalid(s.begin(), s.end(), std::back_inserter(replaced));
  utf8::utf8to16(replaced.begin(), replaced.end(), std::back_inserter(out));
  return out;
}

struct UrlParts {
  std::string scheme;     // "https://" as written
  std::string user_info;  // "user:pass@" or empty
  std::string host;
  std::string port;  // ":443" or empty
  std::string rest;  // path, query and fragment
};

std::optional<UrlParts> split_url(std::string_view url) {
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  for (std::size_t i = 0; i < sep; ++i) {
    char c = url[i];
    bool ok = std::isalpha(static_cast<unsigned char>(c)) ||
              (i > 0 &&
               (std::isdigit(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'));
    if (!ok) return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = std::string(url.substr(0, sep + 3));
  std::size_t authority_start = sep + 3;
  std::size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  std::size_t at = authority.rfind('@');
  std::string_view host_port = authority;
  if (at != std::string_view::npos) {
    parts.user_info = std::string(authority.substr(0, at + 1));
    host_port = authority.substr(at + 1);
  }
  std::size_t bracket = host_port.rfind(']');
  std::size_t colon = host_port.find(':', bracket == std::string_view::npos ? 0 : bracket + 1);
  parts.host = std::string(host_port.substr(0, colon));
  if (colon != std::string_view::npos) parts.port = std::string(host_port.substr(colon));
  parts.rest = std::string(url.substr(authority_end));
  return parts;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The lengths are those of a base64 SHA-1 or a hex SHA-256: public.
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// The value of the first `name` parameter of the URL's query, decoded.
std::optional<std::string> query_value(std::string_view url, std::string_view name) {
  std::size_t q = url.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(q + 1);
  std::size_t hash = query.find('#');
  if (hash != std::string_view::npos) query = query.substr(0, hash);
  auto fields = parse_form(query);
  if (!fields.ok()) return std::nullopt;
  return form_value(*fields, name);
}

sdk::Error refused(std::string reason) {
  return sdk::Error(sdk::ErrorCode::kUnauthenticated, std::move(reason), false);
}

}  // namespace

std::string signature_base_string(std::string_view url, const FormFields& params) {
  // Names in JavaScript's order (UTF-16 code units), each name's values in
  // the same order, a repeated name=value pair once: twilio-node's rules.
  // One sort of the pairs, each converted to UTF-16 once: O(n log n), where
  // a lookup of each name's values in the whole list was O(n^2).
  struct Keyed {
    std::u16string name16;
    std::u16string value16;
    const FormField* field;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(params.size());
  std::size_t size = url.size();
  for (const auto& field : params) {
    keyed.push_back({to_utf16(field.name), to_utf16(field.value), &field});
    size += field.name.size() + field.value.size();
  }
  std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    if (a.name16 != b.name16) return a.name16 < b.name16;
    if (a.field->name != b.field->name) return a.field->name < b.field->name;
    if (a.value16 != b.value16) return a.value16 < b.value16;
    return a.field->value < b.field->value;
  });
  std::string data(url);
  data.reserve(size);
  const FormField* previous = nullptr;
  for (const auto& k : keyed) {
    if (previous != nullptr && *previous == *k.field) continue;
    data += k.field->name;
    data += k.field->value;
    previous = k.field;
  }
  return data;
}

std::string compute_signature(std::string_view auth_token, std::string_view url,
                              const FormFields& params) {
  std::string data = signature_base_string(url, params);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &mac_len);
  return sdk::base64_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

std::vector<std::string> signature_url_variants(std::string_view url) {
  std::vector<std::string> out{std::string(url)};
  auto parts = split_url(url);
  if (!parts) return out;
  std::string scheme = lower(parts->scheme);
  std::string default_port;
  if (scheme == "https://") default_port = ":443";
  if (scheme == "http://") default_port = ":80";
  if (default_port.empty()) return out;
  if (parts->port.empty()) {
    out.push_back(parts->scheme + parts->user_info + parts->host + default_port + parts->rest);
  } else if (parts->port == default_port) {
    out.push_back(parts->scheme + parts->user_info + parts->host + parts->rest);
  }
  return out;
}

sdk::Status verify_signature(std::string_view auth_token, std::string_view signature,
                             std::string_view url, const FormFields& params) {
  if (signature.empty()) {
    return refused("the webhook carries no X-Twilio-Signature header");
  }
  if (auth_token.empty()) {
    return refused(
        "no Twilio auth token is configured, so X-Twilio-Signature cannot be checked; set the "
        "instance's auth token");
  }
  bool matched = false;
  for (const auto& candidate : signature_url_variants(url)) {
    // Every variant is checked, so the time taken does not tell which matched.
    matched |= constant_time_equal(signature, compute_signature(auth_token, candidate, params));
  }
  if (!matched) {
    return refused(
        "X-Twilio-Signature does not match the configured public webhook URL and auth token");
  }
  return sdk::ok_status();
}

std::string body_sha256_hex(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(body.data(), body.size(), digest, &digest_len, EVP_sha256(), nullptr);
  return sdk::to_hex(digest, digest_len);
}

sdk::Status verify_json_body_signature(std::string_view auth_token, std::string_view signature,
                                       std::string_view url, std::string_view body) {
  auto declared = query_value(url, "bodySHA256");
  if (!declared) {
    return refused("the webhook URL carries no bodySHA256 parameter for its JSON body");
  }
  WASL_RETURN_IF_ERROR(verify_signature(auth_token, signature, url, {}));
  if (!constant_time_equal(lower(*declared), body_sha256_hex(body))) {
    return refused("the webhook body does not match the bodySHA256 its signed URL declares");
  }
  return sdk::ok_status();
}

}  // namespace wasl::plugins::twilio
