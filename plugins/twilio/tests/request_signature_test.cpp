#include "plugins/twilio/request_signature.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

namespace wasl::plugins::twilio {
namespace {

struct PublishedVector {
  std::string auth_token;
  std::string url;
  FormFields params;
  std::string signature;
  std::string base_without_port;
};

PublishedVector load_vector() {
  std::ifstream in(std::string(WASL_SHARED_DATA_DIR) + "/video/twilio/signature-published.json");
  EXPECT_TRUE(in.good()) << "signature-published.json missing under " << WASL_SHARED_DATA_DIR;
  auto doc = nlohmann::json::parse(in);
  const auto& v = doc.at("vectors").at(0);
  PublishedVector out;
  out.auth_token = v.at("auth_token").get<std::string>();
  out.url = v.at("url").get<std::string>();
  for (const auto& [name, value] : v.at("params").items()) {
    out.params.push_back({name, value.get<std::string>()});
  }
  out.signature = v.at("signature").get<std::string>();
  out.base_without_port = v.at("string_to_sign_without_port").get<std::string>();
  return out;
}

TEST(RequestSignatureTest, PublishedVectorMatches) {
  auto v = load_vector();
  EXPECT_EQ(signature_base_string(v.url, v.params), v.base_without_port);
  EXPECT_EQ(compute_signature(v.auth_token, v.url, v.params), v.signature);
  EXPECT_TRUE(verify_signature(v.auth_token, v.signature, v.url, v.params).ok());
}

TEST(RequestSignatureTest, AcceptsTheUrlWithDefaultPortAddedOrRemoved) {
  auto v = load_vector();
  // Twilio signed the URL without a port; the hub's configured URL has :443.
  EXPECT_TRUE(verify_signature(v.auth_token, v.signature,
                               "https://mycompany.com:443/myapp.php?foo=1&bar=2", v.params)
                  .ok());
  // Signed with :443; configured without.
  std::string with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
  auto sig = compute_signature(v.auth_token, with_port, v.params);
  EXPECT_NE(sig, v.signature);
  EXPECT_TRUE(verify_signature(v.auth_token, sig, v.url, v.params).ok());
  // http and :80.
  auto http_sig = compute_signature(v.auth_token, "http://hub.example/cb", v.params);
  EXPECT_TRUE(verify_signature(v.auth_token, http_sig, "http://hub.example:80/cb", v.params).ok());
  // A non-default port is part of what was signed: not stripped, not swapped.
  EXPECT_FALSE(verify_signature(v.auth_token, v.signature,
                                "https://mycompany.com:8443/myapp.php?foo=1&bar=2", v.params)
                   .ok());
  EXPECT_FALSE(
      verify_signature(v.auth_token, http_sig, "http://hub.example:443/cb", v.params).ok());
}

TEST(RequestSignatureTest, UrlVariants) {
  EXPECT_EQ(signature_url_variants("https://h.example/p?q=1"),
            (std::vector<std::string>{"https://h.example/p?q=1", "https://h.example:443/p?q=1"}));
  EXPECT_EQ(signature_url_variants("HTTP://u:p@h.example:80"),
            (std::vector<std::string>{"HTTP://u:p@h.example:80", "HTTP://u:p@h.example"}));
  EXPECT_EQ(signature_url_variants("https://[::1]:8443/x"),
            (std::vector<std::string>{"https://[::1]:8443/x"}));
  EXPECT_EQ(signature_url_variants("https://[::1]/x"),
            (std::vector<std::string>{"https://[::1]/x", "https://[::1]:443/x"}));
  EXPECT_EQ(signature_url_variants("not a url"), (std::vector<std::string>{"not a url"}));
}

TEST(RequestSignatureTest, RefusesForgedTruncatedEmptyAndWrongToken) {
  auto v = load_vector();
  std::string forged = v.signature;
  forged[0] = forged[0] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {forged, v.signature.substr(0, v.signature.size() - 1),
                                 v.signature.substr(0, 10), v.signature + "=", std::string()}) {
    auto status = verify_signature(v.auth_token, bad, v.url, v.params);
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.error().code, sdk::ErrorCode::kUnauthenticated);
    EXPECT_FALSE(status.error().retryable);
    EXPECT_EQ(status.error().message.find(v.auth_token), std::string::npos);
  }
  EXPECT_FALSE(verify_signature("12346", v.signature, v.url, v.params).ok());
  EXPECT_FALSE(verify_signature("", v.signature, v.url, v.params).ok());
}

TEST(RequestSignatureTest, RefusesASignatureReplayedToAnotherUrlOrWithOtherParams) {
  auto v = load_vector();
  EXPECT_FALSE(verify_signature(v.auth_token, v.signature,
                                "https://mycompany.com/other.php?foo=1&bar=2", v.params)
                   .ok());
  EXPECT_FALSE(verify_signature(v.auth_token, v.signature,
                                "https://evil.example/myapp.php?foo=1&bar=2", v.params)
                   .ok());
  EXPECT_FALSE(
      verify_signature(v.auth_token, v.signature, "https://mycompany.com/myapp.php", v.params)
          .ok());
  auto changed = v.params;
  changed[2].value = "1235";
  EXPECT_FALSE(verify_signature(v.auth_token, v.signature, v.url, changed).ok());
  auto extra = v.params;
  extra.push_back({"Injected", "1"});
  EXPECT_FALSE(verify_signature(v.auth_token, v.signature, v.url, extra).ok());
}

TEST(RequestSignatureTest, ParameterOrderDoesNotMatter) {
  auto v = load_vector();
  FormFields reversed(v.params.rbegin(), v.params.rend());
  EXPECT_EQ(compute_signature(v.auth_token, v.url, reversed), v.signature);
  EXPECT_TRUE(verify_signature(v.auth_token, v.signature, v.url, reversed).ok());
}

TEST(RequestSignatureTest, RepeatedKeysAreSortedByValueAndDeduplicatedAsTwilioNodeDoes) {
  FormFields a{{"B", "x"}, {"A", "2"}, {"A", "1"}, {"A", "2"}};
  EXPECT_EQ(signature_base_string("https://h/", a), "https://h/A1A2Bx");
  FormFields b{{"A", "1"}, {"B", "x"}, {"A", "2"}};
  EXPECT_EQ(compute_signature("t", "https://h/", a), compute_signature("t", "https://h/", b));
}

TEST(RequestSignatureTest, SortsNamesByUtf16CodeUnitsLikeJavaScript) {
  // U+FF21 (3 UTF-8 bytes, one UTF-16 unit 0xFF21) sorts after U+1F600 (a
  // surrogate pair starting 0xD83D) in JavaScript, although its UTF-8 bytes
  // sort before.
  std::string fullwidth_a = "\xEF\xBC\xA1";
  std::string emoji = "\xF0\x9F\x98\x80";
  FormFields fields{{fullwidth_a, "1"}, {emoji, "2"}};
  EXPECT_EQ(signature_base_string("u", fields), "u" + emoji + "2" + fullwidth_a + "1");
}

TEST(RequestSignatureTest, MatchesTwilioNodeOnRepeatedKeysAndNonAsciiNames) {
  // Golden values from twilio-node 6.2.0's getExpectedTwilioSignature:
  //   ('t', 'https://h/', {B: 'x', A: ['2', '1', '2']}) and
  //   ('t', 'u', {'\uFF21': '1', '\u{1F600}': '2'}).
  EXPECT_EQ(compute_signature("t", "https://h/", {{"B", "x"}, {"A", "2"}, {"A", "1"}, {"A", "2"}}),
            "RRL7FagH6q0uh4Wn1hMHc0DD/zs=");
  EXPECT_EQ(compute_signature("t", "u", {{"\xEF\xBC\xA1", "1"}, {"\xF0\x9F\x98\x80", "2"}}),
            "nlmMiFoFPYkQNzUU2MmvYVODWXM=");
}

// 65,000 distinct names (the most a 256 KiB body holds at four bytes a
// field): the base string is built in one sort, about 1 s in a debug build.
// Looking up each name's values in the whole list took 65,000^2 comparisons
// (10,000 names took 10 s; 65,000 more than 5 minutes).
TEST(RequestSignatureTest, ManyDistinctFieldsAreSignedInLinearithmicTime) {
  FormFields many;
  for (int i = 0; i < 65000; ++i) many.push_back({"f" + std::to_string(65000 - i), "v"});
  const auto started = std::chrono::steady_clock::now();
  std::string base = signature_base_string("u", many);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(base.substr(0, 8), "uf1vf10v");
  EXPECT_LT(took, std::chrono::seconds(5));  // 10,000 fields alone took 10 s before
}

TEST(RequestSignatureTest, JsonBodyVariant) {
  const std::string token = "12345";
  const std::string body = R"({"property": "value", "boolean": true})";
  const std::string url =
      "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=" + body_sha256_hex(body);
  auto sig = compute_signature(token, url, {});
  EXPECT_TRUE(verify_json_body_signature(token, sig, url, body).ok());
  EXPECT_FALSE(verify_json_body_signature(token, sig, url, body + " ").ok());
  EXPECT_FALSE(
      verify_json_body_signature(token, sig, "https://mycompany.com/myapp.php", body).ok());
  EXPECT_FALSE(verify_json_body_signature("other", sig, url, body).ok());
  // The published twilio-node value for this body.
  EXPECT_EQ(body_sha256_hex(body),
            "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620");
}

}  // namespace
}  // namespace wasl::plugins::twilio
