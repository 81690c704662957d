// SigV4 signer against AWS's official test-suite cases and the Chime cases in
// ../shared/data/sigv4/ (read at run time), plus session tokens, S3 and tampering.
#include "wasl/sdk/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::sdk::aws {
namespace {

namespace fs = std::filesystem;

const fs::path kDataDir = fs::path(WASL_SHARED_DATA_DIR) / "sigv4";

constexpr const char* kAccessKeyId = "AKIDEXAMPLE";
constexpr const char* kExampleSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) ADD_FAILURE() << "cannot read " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The expected files end with or without a final newline; the newline is the
// file's, not part of the value.
std::string read_expected(const fs::path& path) {
  std::string text = read_file(path);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// "20150830T123600Z" (ISO 8601's basic form), read by the SDK as its
// extended form, "2015-08-30T12:36:00Z".
std::chrono::system_clock::time_point parse_amz_date(const std::string& text) {
  std::optional<std::int64_t> ms;
  if (text.size() == 16) {
    ms = wasl::sdk::parse_iso8601(text.substr(0, 4) + "-" + text.substr(4, 2) + "-" +
                                  text.substr(6, 5) + ":" + text.substr(11, 2) + ":" +
                                  text.substr(13));
  }
  EXPECT_TRUE(ms.has_value()) << text;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms.value_or(0)));
}

// An HTTP request as the .req files write it: request line, "Name:value"
// lines, an empty line, the body.
struct RawRequest {
  std::string method;
  std::string target;
  std::vector<HeaderField> headers;
  std::string body;
};

RawRequest parse_req(const std::string& text) {
  RawRequest req;
  std::size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos > text.size()) return false;
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = end + 1;
    return true;
  };
  std::string line;
  EXPECT_TRUE(next_line(line));
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.rfind(' ');
  req.method = line.substr(0, sp1);
  req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (next_line(line) && !line.empty()) {
    const std::size_t colon = line.find(':');
    EXPECT_NE(colon, std::string::npos) << line;
    req.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  if (pos < text.size()) req.body = text.substr(pos);
  return req;
}

SigningRequest to_signing_request(const RawRequest& raw) {
  SigningRequest req;
  req.method = raw.method;
  const std::size_t q = raw.target.find('?');
  req.path = raw.target.substr(0, q);
  if (q != std::string::npos) {
    auto query = parse_query(std::string_view(raw.target).substr(q + 1));
    EXPECT_TRUE(query.ok()) << raw.target;
    if (query.ok()) req.query = *query;
  }
  req.headers = raw.headers;
  req.payload = raw.body;
  return req;
}

struct CaseSet {
  const char* folder;
  std::vector<std::string> names;
};

// The cases this test knows; CaseListIsComplete fails when a folder gains one.
const CaseSet kSuite{"suite",
                     {"get-unreserved", "get-vanilla", "get-vanilla-query-order-key",
                      "post-header-key-sort", "post-vanilla", "post-x-www-form-urlencoded"}};
const CaseSet kChime{
    "chime", {"batch-create-attendee", "create-meeting", "delete-meeting", "list-attendees"}};

SigningScope suite_scope() { return {"us-east-1", "service", parse_amz_date("20150830T123600Z")}; }

// Region, service and time of the Chime cases come from smithy_signed.json.
SigningScope chime_scope() {
  const auto doc = nlohmann::json::parse(read_file(kDataDir / "chime" / "smithy_signed.json"));
  std::string date = doc.at("date").get<std::string>();  // 2024-01-01T12:00:00.000Z
  std::string amz = date.substr(0, 4) + date.substr(5, 2) + date.substr(8, 2) + "T" +
                    date.substr(11, 2) + date.substr(14, 2) + date.substr(17, 2) + "Z";
  return {doc.at("region").get<std::string>(), doc.at("service").get<std::string>(),
          parse_amz_date(amz)};
}

AwsCredentials example_credentials() { return {kAccessKeyId, kExampleSecret, std::nullopt}; }

struct VectorCase {
  std::string folder;
  std::string name;
};

void PrintTo(const VectorCase& c, std::ostream* os) { *os << c.folder << "/" << c.name; }

std::string case_label(const testing::TestParamInfo<VectorCase>& info) {
  std::string label = info.param.folder + "_" + info.param.name;
  std::replace(label.begin(), label.end(), '-', '_');
  return label;
}

std::vector<VectorCase> all_cases() {
  std::vector<VectorCase> out;
  for (const CaseSet* set : {&kSuite, &kChime}) {
    for (const auto& name : set->names) out.push_back({set->folder, name});
  }
  return out;
}

class Sigv4VectorTest : public testing::TestWithParam<VectorCase> {};

TEST_P(Sigv4VectorTest, MatchesCanonicalRequestStringToSignAndAuthorization) {
  const VectorCase& c = GetParam();
  const fs::path dir = kDataDir / c.folder / c.name;
  const RawRequest raw = parse_req(read_file(dir / (c.name + ".req")));
  const SigningScope scope = c.folder == "suite" ? suite_scope() : chime_scope();

  auto signed_req = sign_request(to_signing_request(raw), example_credentials(), scope);
  ASSERT_TRUE(signed_req.ok()) << signed_req.error().message;

  EXPECT_EQ(signed_req->canonical_request, read_expected(dir / (c.name + ".creq")));
  EXPECT_EQ(signed_req->string_to_sign, read_expected(dir / (c.name + ".sts")));
  EXPECT_EQ(signed_req->authorization, read_expected(dir / (c.name + ".authz")));
  ASSERT_FALSE(signed_req->headers_to_add.empty());
  EXPECT_EQ(signed_req->headers_to_add.back().name, "Authorization");
  EXPECT_EQ(signed_req->headers_to_add.back().value, signed_req->authorization);

  // The suite's .sreq is the .req with the Authorization header appended.
  const fs::path sreq = dir / (c.name + ".sreq");
  if (fs::exists(sreq)) {
    std::string expected;
    expected.append(raw.method).append(" ").append(raw.target).append(" HTTP/1.1\n");
    for (const auto& h : raw.headers) expected.append(h.name).append(":").append(h.value + "\n");
    expected.append("Authorization: ").append(signed_req->authorization);
    if (!raw.body.empty()) expected.append("\n\n").append(raw.body);
    EXPECT_EQ(expected, read_expected(sreq));
  }
}

INSTANTIATE_TEST_SUITE_P(SharedData, Sigv4VectorTest, testing::ValuesIn(all_cases()), case_label);

TEST(Sigv4VectorList, CaseListIsComplete) {
  for (const CaseSet* set : {&kSuite, &kChime}) {
    std::set<std::string> on_disk;
    for (const auto& entry : fs::directory_iterator(kDataDir / set->folder)) {
      if (entry.is_directory()) on_disk.insert(entry.path().filename().string());
    }
    EXPECT_EQ(on_disk, std::set<std::string>(set->names.begin(), set->names.end()))
        << "folder " << set->folder;
  }
}

// smithy_signed.json records the same Chime requests as structured fields (decoded
// query values); signing from those must give the recorded Authorization.
TEST(Sigv4Smithy, StructuredChimeCasesMatchRecordedAuthorization) {
  const auto doc = nlohmann::json::parse(read_file(kDataDir / "chime" / "smithy_signed.json"));
  const AwsCredentials creds{doc.at("credentials").at("accessKeyId").get<std::string>(),
                             doc.at("credentials").at("secretAccessKey").get<std::string>(),
                             std::nullopt};
  const SigningScope scope = chime_scope();
  ASSERT_EQ(doc.at("cases").size(), 4u);
  for (const auto& c : doc.at("cases")) {
    SigningRequest req;
    req.method = c.at("method").get<std::string>();
    req.path = uri_encode(c.at("path").get<std::string>(), false);
    for (const auto& [name, value] : c.at("query").items()) {
      req.query.push_back({name, value.get<std::string>()});
    }
    const std::string body = c.at("body").get<std::string>();
    req.payload = body;
    std::string expected;
    for (const auto& [name, value] : c.at("signed_headers").items()) {
      if (name == "authorization") {
        expected = value.get<std::string>();
      } else {
        req.headers.push_back({name, value.get<std::string>()});
      }
    }
    auto signed_req = sign_request(req, creds, scope);
    ASSERT_TRUE(signed_req.ok()) << signed_req.error().message;
    EXPECT_EQ(signed_req->authorization, expected) << c.at("name");
  }
}

const SigningScope kChime2024{"us-east-1", "chime",
                              std::chrono::system_clock::from_time_t(1704110400)};

SigningRequest get_meeting() {
  SigningRequest req;
  req.method = "GET";
  req.host = "meetings-chime.us-east-1.amazonaws.com";
  req.path = "/meetings/4ea5a3a4-0000-4c5e-9d1c-111111111111";
  return req;
}

// Expected values below were computed with @smithy/signature-v4 5.7.5 (the
// library the test peer verifies with) for the same inputs.
TEST(Sigv4SessionToken, SignsSecurityTokenHeader) {
  const std::string token = "FQoGZXIvYXdzEXAMPLE//token+with/slashes=";
  AwsCredentials creds = example_credentials();
  creds.session_token = token;
  auto signed_req = sign_request(get_meeting(), creds, kChime2024);
  ASSERT_TRUE(signed_req.ok()) << signed_req.error().message;
  EXPECT_EQ(signed_req->signed_headers, "host;x-amz-date;x-amz-security-token");
  EXPECT_NE(signed_req->canonical_request.find("\nx-amz-security-token:" + token + "\n"),
            std::string::npos);
  EXPECT_EQ(signed_req->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/chime/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=2d442770563593bce8b6995a4bc5a54b7a1eac5dc5241c253c65b148cd0e4210");
  ASSERT_EQ(signed_req->headers_to_add.size(), 3u);
  EXPECT_EQ(signed_req->headers_to_add[0].name, "X-Amz-Date");
  EXPECT_EQ(signed_req->headers_to_add[0].value, "20240101T120000Z");
  EXPECT_EQ(signed_req->headers_to_add[1].name, "X-Amz-Security-Token");
  EXPECT_EQ(signed_req->headers_to_add[1].value, token);

  auto without = sign_request(get_meeting(), example_credentials(), kChime2024);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->signed_headers, "host;x-amz-date");
  EXPECT_EQ(without->headers_to_add.size(), 2u);
  EXPECT_NE(without->signature, signed_req->signature);
}

TEST(Sigv4S3, UnsignedPayloadKeepsPathEncodingAndSignsContentSha) {
  SigningRequest req;
  req.method = "GET";
  req.host = "wasl-recordings.s3.us-east-1.amazonaws.com";
  req.path = "/wasl-recordings/captures/meeting%201/audio+video.mp4";
  req.headers = {{"Range", "bytes=0-1023"}};
  req.payload_hash = std::string(kUnsignedPayload);
  const SigningScope scope{"us-east-1", "s3", kChime2024.time};
  auto signed_req = sign_request(req, example_credentials(), scope);
  ASSERT_TRUE(signed_req.ok()) << signed_req.error().message;
  EXPECT_EQ(signed_req->canonical_request.substr(0, signed_req->canonical_request.find('\n', 4)),
            "GET\n/wasl-recordings/captures/meeting%201/audio+video.mp4");
  EXPECT_TRUE(signed_req->canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
  EXPECT_EQ(signed_req->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=fb33ac379f7ac5dc58a84888019eb97bc287a0a41dca8a99caa54b8ae34f67e1");
  bool has_content_sha = false;
  for (const auto& h : signed_req->headers_to_add) {
    if (h.name == "x-amz-content-sha256") has_content_sha = h.value == "UNSIGNED-PAYLOAD";
  }
  EXPECT_TRUE(has_content_sha);
}

TEST(Sigv4S3, PayloadHashFromBodyOrGivenAgree) {
  SigningRequest req;
  req.method = "PUT";
  req.host = "wasl-recordings.s3.us-east-1.amazonaws.com";
  req.path = "/wasl-recordings/notes.txt";
  req.headers = {{"Content-Type", "text/plain"}};
  req.payload = "hello chime";
  const SigningScope scope{"us-east-1", "s3", kChime2024.time};
  auto from_body = sign_request(req, example_credentials(), scope);
  ASSERT_TRUE(from_body.ok()) << from_body.error().message;
  const std::string expected =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/s3/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, "
      "Signature=ec8c088a050516f6358e9199d5e7e7605d5f6d45cd12173950102c3193d50429";
  EXPECT_EQ(from_body->authorization, expected);

  req.payload = "";
  req.payload_hash = "b4f4681581600d9d632e09a13a3c7811304f3cbe796c9f0b18cd686961d2c7b3";
  auto from_hash = sign_request(req, example_credentials(), scope);
  ASSERT_TRUE(from_hash.ok()) << from_hash.error().message;
  EXPECT_EQ(from_hash->authorization, expected);

  // UNSIGNED-PAYLOAD is an S3 notion; other services refuse it.
  SigningRequest chime_req = get_meeting();
  chime_req.payload_hash = std::string(kUnsignedPayload);
  auto refused = sign_request(chime_req, example_credentials(), kChime2024);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST(Sigv4Canonical, PathNormalisationQueryAndHeaderRules) {
  EXPECT_EQ(canonical_path("/a/./b/../c//d%20e/", "chime"), "/a/c/d%2520e/");
  EXPECT_EQ(canonical_path("/a/./b/../c//d%20e/", "s3"), "/a/./b/../c//d%20e/");
  EXPECT_EQ(canonical_path("", "chime"), "/");
  EXPECT_EQ(canonical_path("/..", "chime"), "/");
  EXPECT_EQ(canonical_query({{"b", "2"}, {"a b", ""}, {"c", "x y+z"}, {"b", "1"}}),
            "a%20b=&b=1&b=2&c=x%20y%2Bz");
  EXPECT_EQ(uri_encode("a/b c~", false), "a/b%20c~");
  EXPECT_EQ(uri_encode("a/b c~", true), "a%2Fb%20c~");

  SigningRequest req;
  req.method = "GET";
  req.host = "x";
  req.path = "/a/./b/../c//d%20e/";
  req.query = {{"b", "2"}, {"a b", ""}, {"c", "x y+z"}, {"b", "1"}};
  req.headers = {{"X-Custom", "  a   b\tc  "}, {"User-Agent", "wasl"}};
  auto signed_req = sign_request(req, example_credentials(), kChime2024);
  ASSERT_TRUE(signed_req.ok()) << signed_req.error().message;
  EXPECT_NE(signed_req->canonical_request.find("\nx-custom:a b c\n"), std::string::npos);
  EXPECT_EQ(signed_req->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/chime/aws4_request, "
            "SignedHeaders=host;x-amz-date;x-custom, "
            "Signature=b2809a839302545265ea7a15f72241a1a5ce506ac5740d0f145cca699abbadb4");
}

TEST(Sigv4Canonical, RepeatedHeadersJoinWithCommasInOrder) {
  SigningRequest req = get_meeting();
  req.headers = {{"My-Header1", "value2"}, {"my-header1", " value2 "}, {"MY-HEADER1", "value1"}};
  auto signed_req = sign_request(req, example_credentials(), kChime2024);
  ASSERT_TRUE(signed_req.ok());
  EXPECT_NE(signed_req->canonical_request.find("\nmy-header1:value2,value2,value1\n"),
            std::string::npos);
}

TEST(Sigv4Tamper, AnyChangeAfterSigningChangesTheSignature) {
  SigningRequest base;
  base.method = "POST";
  base.host = "meetings-chime.us-east-1.amazonaws.com";
  base.path = "/meetings";
  base.headers = {{"Content-Type", "application/json"}};
  const std::string body = R"({"ClientRequestToken":"visit-123-attempt-1"})";
  base.payload = body;
  auto original = sign_request(base, example_credentials(), kChime2024);
  ASSERT_TRUE(original.ok());

  std::vector<SigningRequest> tampered(6, base);
  const std::string other_body = R"({"ClientRequestToken":"visit-123-attempt-2"})";
  tampered[0].payload = other_body;
  tampered[1].path = "/meetings/";
  tampered[2].query = {{"operation", "batch-create"}};
  tampered[3].headers = {{"Content-Type", "application/json; charset=utf-8"}};
  tampered[4].method = "PUT";
  tampered[5].host = "meetings-chime.eu-west-1.amazonaws.com";
  for (std::size_t i = 0; i < tampered.size(); ++i) {
    auto changed = sign_request(tampered[i], example_credentials(), kChime2024);
    ASSERT_TRUE(changed.ok()) << i;
    EXPECT_NE(changed->signature, original->signature) << "variant " << i;
  }

  AwsCredentials wrong = example_credentials();
  wrong.secret_access_key.back() = 'X';
  auto other_key = sign_request(base, wrong, kChime2024);
  ASSERT_TRUE(other_key.ok());
  EXPECT_NE(other_key->signature, original->signature);

  auto later = sign_request(base, example_credentials(),
                            {"us-east-1", "chime", kChime2024.time + std::chrono::seconds(1)});
  ASSERT_TRUE(later.ok());
  EXPECT_NE(later->signature, original->signature);
}

TEST(Sigv4Errors, RefusesWhatCannotBeSigned) {
  auto expect_invalid = [](const SigningRequest& req, const AwsCredentials& creds,
                           const SigningScope& scope) {
    auto result = sign_request(req, creds, scope);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().message.find(kExampleSecret), std::string::npos);
  };
  SigningRequest req = get_meeting();
  req.method.clear();
  expect_invalid(req, example_credentials(), kChime2024);

  req = get_meeting();
  req.host.clear();
  expect_invalid(req, example_credentials(), kChime2024);

  req = get_meeting();
  req.headers = {{"Host", "other.example.com"}};
  expect_invalid(req, example_credentials(), kChime2024);

  req = get_meeting();
  req.headers = {{"Bad Name", "v"}};
  expect_invalid(req, example_credentials(), kChime2024);

  req = get_meeting();
  req.headers = {{"X-Injected", "v\r\nX-Evil: 1"}};
  expect_invalid(req, example_credentials(), kChime2024);

  req = get_meeting();
  req.payload_hash = "ABC";
  expect_invalid(req, example_credentials(), kChime2024);

  expect_invalid(get_meeting(), {"", kExampleSecret, std::nullopt}, kChime2024);
  expect_invalid(get_meeting(), {kAccessKeyId, "", std::nullopt}, kChime2024);
  expect_invalid(get_meeting(), example_credentials(), {"", "chime", kChime2024.time});
}

TEST(Sigv4Query, ParseDecodesAndRejectsBadEscapes) {
  auto parsed = parse_query("next-token=abc%2Fdef%3D&max-results=10&flag&a+b=c%20d");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 4u);
  EXPECT_EQ((*parsed)[0].name, "next-token");
  EXPECT_EQ((*parsed)[0].value, "abc/def=");
  EXPECT_EQ((*parsed)[2].name, "flag");
  EXPECT_EQ((*parsed)[2].value, "");
  EXPECT_EQ((*parsed)[3].name, "a+b");
  EXPECT_EQ((*parsed)[3].value, "c d");
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_FALSE(parse_query("a=%2").ok());
  EXPECT_FALSE(parse_query("a=%zz").ok());
}

TEST(Sigv4Primitives, Sha256AndDate) {
  EXPECT_EQ(*sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(format_amz_date(kChime2024.time + std::chrono::milliseconds(999)), "20240101T120000Z");
  // The signing-key example of AWS's SigV4 documentation (20150830/us-east-1/iam).
  auto key = derive_signing_key(kExampleSecret, "20150830", "us-east-1", "iam");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(sdk::to_hex(*key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

}  // namespace
}  // namespace wasl::sdk::aws
