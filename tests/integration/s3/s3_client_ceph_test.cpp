// The SDK's S3Client against a real Ceph RADOS Gateway (tests/peers/ceph):
// objects, ranged reads, multipart uploads with checksums, aborts and the
// errors the hub relies on. The gateway and its keys come from the
// environment (WASL_TEST_S3_ENDPOINT, WASL_TEST_S3_ACCESS_KEY,
// WASL_TEST_S3_SECRET_KEY: a gateway started by hand) or else from the ctest
// fixture ceph's credentials file (tests/peers/ceph/ceph_gateway.hpp);
// without either every test fails. Each test works in a bucket of its own,
// emptied and removed at the end.
#include <openssl/evp.h>

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <exception>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/s3/curl_s3_transport.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"
#include "wasl/sdk/aws/s3_client.hpp"
#include "wasl/sdk/aws/sigv4.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::sdk::aws {
namespace {

constexpr std::size_t kMiB = 1024 * 1024;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr);
  return to_hex(out, size);
}

std::string random_bytes(std::size_t size, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(generator() & 0xff);
  return out;
}

// Damages every UploadPart on its way: kBody flips a byte of the body after
// the client hashed and signed it (bytes damaged in transit); kChecksumHeader
// replaces the checksum header (x-amz-checksum-sha256 or Content-MD5) with
// one of other bytes and signs the request again (a checksum that does not
// describe the body).
class ChecksumTamperingTransport final : public S3Transport {
 public:
  enum class Damage { kBody, kChecksumHeader };

  ChecksumTamperingTransport(S3Transport& inner, Damage damage, AwsCredentials credentials,
                             std::string region)
      : inner_(inner),
        damage_(damage),
        credentials_(std::move(credentials)),
        region_(std::move(region)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (request.url.find("partNumber=") == std::string::npos) return inner_.send(request);
    HttpRequest tampered = request;
    if (damage_ == Damage::kBody) {
      tampered.body[tampered.body.size() / 2] ^= 0x01;
    } else {
      WASL_RETURN_IF_ERROR(tamper(tampered));
    }
    return inner_.send(tampered);
  }
  Result<HttpResponse> send_streaming(const HttpRequest& request, const ChunkSink& sink) override {
    return inner_.send_streaming(request, sink);
  }

 private:
  Status tamper(HttpRequest& request) {
    SigningRequest signing;
    signing.method = request.method;
    const auto authority_at = request.url.find("://") + 3;
    const auto path_at = request.url.find('/', authority_at);
    const auto query_at = request.url.find('?', path_at);
    signing.path = request.url.substr(path_at, query_at - path_at);
    if (query_at != std::string::npos) {
      WASL_ASSIGN_OR_RETURN(signing.query, parse_query(request.url.substr(query_at + 1)));
    }
    std::vector<std::pair<std::string, std::string>> kept;
    for (auto [name, value] : request.headers) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == "authorization" || lower == "x-amz-date") continue;
      if (lower == "x-amz-content-sha256") {
        signing.payload_hash = value;
        continue;
      }
      if (lower == "x-amz-checksum-sha256") value = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=";
      if (lower == "content-md5") value = "1B2M2Y8AsgTpgAmY7PhCfg==";
      if (lower == "host") signing.host = value;
      signing.headers.push_back({name, value});
      kept.emplace_back(name, value);
    }
    WASL_ASSIGN_OR_RETURN(SignedRequest signed_request,
                          sign_request(signing, credentials_, {region_, "s3", now()}));
    for (const auto& header : signed_request.headers_to_add) {
      kept.emplace_back(header.name, header.value);
    }
    request.headers = std::move(kept);
    return {};
  }

  S3Transport& inner_;
  Damage damage_;
  AwsCredentials credentials_;
  std::string region_;
};

class S3ClientCephTest : public ::testing::TestWithParam<S3Checksum> {
 protected:
  void SetUp() override {
    endpoint_.base_url = env("WASL_TEST_S3_ENDPOINT");
    endpoint_.credentials.access_key_id = env("WASL_TEST_S3_ACCESS_KEY");
    endpoint_.credentials.secret_access_key = env("WASL_TEST_S3_SECRET_KEY");
    endpoint_.region = "us-east-1";
    endpoint_.path_style = true;
    if (endpoint_.base_url.empty()) {
      try {
        const auto gateway = wasl::testing::CephGateway::from_fixture(WASL_BINARY_DIR);
        endpoint_.base_url = gateway.endpoint;
        endpoint_.region = gateway.region;
        endpoint_.credentials.access_key_id = gateway.access_key;
        endpoint_.credentials.secret_access_key = gateway.secret_key;
      } catch (const std::exception& e) {
        FAIL() << "no S3 gateway: WASL_TEST_S3_ENDPOINT is unset and " << e.what();
      }
    }
    ASSERT_FALSE(endpoint_.credentials.access_key_id.empty() ||
                 endpoint_.credentials.secret_access_key.empty())
        << "WASL_TEST_S3_ENDPOINT is set without WASL_TEST_S3_ACCESS_KEY and "
           "WASL_TEST_S3_SECRET_KEY";
    options_.checksum = GetParam();
    client_ = std::make_unique<S3Client>(transport_, endpoint_, options_);
    std::random_device seed;
    bucket_ = "wasl-s3-test-" + std::to_string(seed()) + "-" + std::to_string(seed() % 100000);
    ASSERT_TRUE(bucket_request("PUT").ok()) << "could not create the bucket " << bucket_;
  }

  void TearDown() override {
    if (!client_ || bucket_.empty()) return;
    if (auto uploads = client_->list_multipart_uploads(bucket_, ""); uploads.ok()) {
      for (const auto& upload : *uploads) {
        (void)client_->abort_multipart_upload(bucket_, upload.key, upload.upload_id);
      }
    }
    if (auto objects = client_->list_objects(bucket_, ""); objects.ok()) {
      for (const auto& object : *objects) (void)client_->delete_object(bucket_, object.key);
    }
    EXPECT_TRUE(bucket_request("DELETE").ok()) << "could not remove the bucket " << bucket_;
  }

  // CreateBucket / DeleteBucket (not the client's business: the hub is
  // given a bucket), signed here with the same signer.
  Status bucket_request(const std::string& method) {
    const std::string authority = endpoint_.base_url.substr(endpoint_.base_url.find("://") + 3);
    SigningRequest signing;
    signing.method = method;
    signing.host = authority.substr(0, authority.find('/'));
    signing.path = "/" + bucket_;
    signing.headers.push_back({"Host", signing.host});
    WASL_ASSIGN_OR_RETURN(
        SignedRequest signed_request,
        sign_request(signing, endpoint_.credentials, {endpoint_.region, "s3", transport_.now()}));
    HttpRequest request;
    request.method = method;
    while (!endpoint_.base_url.empty() && endpoint_.base_url.back() == '/') {
      endpoint_.base_url.pop_back();
    }
    request.url = endpoint_.base_url + "/" + bucket_;
    request.headers.emplace_back("Host", signing.host);
    for (const auto& header : signed_request.headers_to_add) {
      request.headers.emplace_back(header.name, header.value);
    }
    WASL_ASSIGN_OR_RETURN(HttpResponse response, transport_.send(request));
    if (response.status / 100 != 2) {
      return Error(ErrorCode::kInternal, method + " bucket answered HTTP " +
                                             std::to_string(response.status) + ": " +
                                             response.body.substr(0, 300));
    }
    return {};
  }

  Result<std::string> read(const std::string& key, std::uint64_t offset,
                           std::optional<std::uint64_t> length) {
    std::string out;
    WASL_ASSIGN_OR_RETURN(S3ObjectRead result, client_->get_object(bucket_, key, offset, length,
                                                                   [&](std::string_view chunk) {
                                                                     out.append(chunk);
                                                                     return Status();
                                                                   }));
    if (result.delivered != static_cast<std::int64_t>(out.size())) {
      return Error(ErrorCode::kInternal, "delivered does not count what the sink got");
    }
    return out;
  }

  wasl::testing::CurlS3Transport transport_;
  S3Endpoint endpoint_;
  S3ClientOptions options_;
  std::unique_ptr<S3Client> client_;
  std::string bucket_;
};

TEST_P(S3ClientCephTest, PutHeadRangedGetListAndDelete) {
  const std::string key = "f-1/rec one+two.0.wse";
  const std::string body = random_bytes(200000, 1);
  auto etag = client_->put_object(bucket_, key, body);
  ASSERT_TRUE(etag.ok()) << etag.error().message;
  EXPECT_FALSE(etag->empty());

  auto head = client_->head_object(bucket_, key);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->size, body.size());
  EXPECT_EQ(head->etag, *etag);

  struct Range {
    std::uint64_t offset;
    std::optional<std::uint64_t> length;
  };
  const std::vector<Range> ranges{{0, 1},                // the first byte
                                  {100000, 1},           // one in the middle
                                  {body.size() - 1, 1},  // the last byte
                                  {65530, 20},           // across the first 64 KiB boundary
                                  {131069, 65540},    // from before one boundary to past the next
                                  {0, std::nullopt},  // everything
                                  {131072, std::nullopt},  // from a boundary to the end
                                  {body.size() - 1, std::nullopt}};
  for (const auto& range : ranges) {
    auto got = read(key, range.offset, range.length);
    ASSERT_TRUE(got.ok()) << range.offset << ": " << got.error().message;
    const std::string expected =
        body.substr(range.offset, range.length.value_or(std::string::npos));
    EXPECT_EQ(got->size(), expected.size()) << "offset " << range.offset;
    EXPECT_TRUE(*got == expected) << "offset " << range.offset;
  }
  auto past_end = read(key, body.size() + 10, 5);
  ASSERT_FALSE(past_end.ok());
  EXPECT_EQ(past_end.error().code, ErrorCode::kInvalidArgument);

  ASSERT_TRUE(client_->put_object(bucket_, "f-2/other.wse", "x").ok());
  auto listed = client_->list_objects(bucket_, "f-1/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, key);
  EXPECT_EQ((*listed)[0].size, body.size());

  ASSERT_TRUE(client_->delete_object(bucket_, key).ok());
  auto gone = client_->head_object(bucket_, key);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  auto missing = read(key, 0, std::nullopt);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("NoSuchKey"), std::string::npos);
  EXPECT_NE(missing.error().message.find(bucket_ + "/" + key), std::string::npos);
  // Deleting it again is no error.
  EXPECT_TRUE(client_->delete_object(bucket_, key).ok());
}

TEST_P(S3ClientCephTest, AThreePartUploadWithChecksumsReadsBackWhole) {
  const std::string key = "f-1/large.1.wse";
  std::string whole;
  auto upload = client_->create_multipart_upload(bucket_, key);
  ASSERT_TRUE(upload.ok()) << upload.error().message;
  std::vector<S3UploadedPart> parts;
  for (int number = 1; number <= 3; ++number) {
    const std::string bytes =
        random_bytes(number < 3 ? 5 * kMiB : kMiB + 17, static_cast<std::uint32_t>(number));
    auto part = client_->upload_part(bucket_, key, *upload, number, bytes);
    ASSERT_TRUE(part.ok()) << part.error().message;
    parts.push_back(*part);
    whole += bytes;
  }
  auto etag = client_->complete_multipart_upload(bucket_, key, *upload, parts);
  ASSERT_TRUE(etag.ok()) << etag.error().message;
  EXPECT_NE(etag->find("-3"), std::string::npos) << *etag;

  auto head = client_->head_object(bucket_, key);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->size, whole.size());
  auto got = read(key, 0, std::nullopt);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(sha256(*got), sha256(whole));
  // Across the first part's end.
  auto seam = read(key, 5 * kMiB - 3, 6);
  ASSERT_TRUE(seam.ok()) << seam.error().message;
  EXPECT_TRUE(*seam == whole.substr(5 * kMiB - 3, 6));
  auto uploads = client_->list_multipart_uploads(bucket_, "f-1/");
  ASSERT_TRUE(uploads.ok());
  EXPECT_TRUE(uploads->empty());
}

// Ceph 16's gateway checks the signed x-amz-content-sha256 and Content-MD5
// against the body; it ignores x-amz-checksum-sha256 (it takes a part whose
// header names other bytes). Either option refuses damaged bytes.
TEST_P(S3ClientCephTest, APartWhoseBytesWereDamagedOnTheWayIsRefused) {
  const std::string key = "f-1/damaged.wse";
  ChecksumTamperingTransport damaging(transport_, ChecksumTamperingTransport::Damage::kBody,
                                      endpoint_.credentials, endpoint_.region);
  S3Client client(damaging, endpoint_, options_);
  auto upload = client.create_multipart_upload(bucket_, key);
  ASSERT_TRUE(upload.ok()) << upload.error().message;
  auto part = client.upload_part(bucket_, key, *upload, 1, random_bytes(64 * 1024, 9));
  ASSERT_FALSE(part.ok()) << "the gateway took a damaged part";
  EXPECT_EQ(part.error().code, ErrorCode::kInvalidArgument) << part.error().message;
  EXPECT_FALSE(part.error().retryable);
  EXPECT_NE(part.error().message.find("UploadPart of " + bucket_ + "/" + key), std::string::npos);
  EXPECT_TRUE(client.abort_multipart_upload(bucket_, key, *upload).ok());
}

TEST_P(S3ClientCephTest, APartWhoseContentMd5DoesNotMatchIsRefused) {
  // With either parameter: Ceph 16 does not check x-amz-checksum-sha256.
  S3ClientOptions md5 = options_;
  md5.checksum = S3Checksum::kMd5;
  const std::string key = "f-1/tampered.wse";
  ChecksumTamperingTransport tampering(transport_,
                                       ChecksumTamperingTransport::Damage::kChecksumHeader,
                                       endpoint_.credentials, endpoint_.region);
  S3Client client(tampering, endpoint_, md5);
  auto upload = client.create_multipart_upload(bucket_, key);
  ASSERT_TRUE(upload.ok()) << upload.error().message;
  auto part = client.upload_part(bucket_, key, *upload, 1, random_bytes(64 * 1024, 9));
  ASSERT_FALSE(part.ok()) << "the gateway took a part whose Content-MD5 does not match";
  EXPECT_EQ(part.error().code, ErrorCode::kInvalidArgument) << part.error().message;
  EXPECT_NE(part.error().message.find("BadDigest"), std::string::npos) << part.error().message;
  EXPECT_TRUE(client.abort_multipart_upload(bucket_, key, *upload).ok());
}

TEST_P(S3ClientCephTest, AbortedUploadsLeaveTheListingByPrefix) {
  auto first = client_->create_multipart_upload(bucket_, "f-1/a.wse");
  auto second = client_->create_multipart_upload(bucket_, "f-1/b.wse");
  auto elsewhere = client_->create_multipart_upload(bucket_, "f-2/c.wse");
  ASSERT_TRUE(first.ok() && second.ok() && elsewhere.ok());
  ASSERT_TRUE(client_->upload_part(bucket_, "f-1/a.wse", *first, 1, "some bytes").ok());

  auto listed = client_->list_multipart_uploads(bucket_, "f-1/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "f-1/a.wse");
  EXPECT_EQ((*listed)[0].upload_id, *first);
  EXPECT_EQ((*listed)[1].upload_id, *second);
  EXPECT_FALSE((*listed)[0].initiated.empty());

  ASSERT_TRUE(client_->abort_multipart_upload(bucket_, "f-1/a.wse", *first).ok());
  listed = client_->list_multipart_uploads(bucket_, "f-1/");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].upload_id, *second);
  auto again = client_->abort_multipart_upload(bucket_, "f-1/a.wse", *first);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  auto parts_of_aborted = client_->upload_part(bucket_, "f-1/a.wse", *first, 2, "late");
  ASSERT_FALSE(parts_of_aborted.ok());
  EXPECT_EQ(parts_of_aborted.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(client_->list_multipart_uploads(bucket_, "f-2/")->size(), 1u);
}

TEST_P(S3ClientCephTest, AWrongSecretIsAPermissionDeniedThatNamesNoSecret) {
  S3Endpoint wrong = endpoint_;
  wrong.credentials.secret_access_key = "not-the-secret-" + endpoint_.credentials.secret_access_key;
  S3Client client(transport_, wrong, options_);
  auto head = client.head_object(bucket_, "f-1/any.wse");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kPermissionDenied) << head.error().message;
  auto put = client.put_object(bucket_, "f-1/any.wse", "bytes");
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, ErrorCode::kPermissionDenied) << put.error().message;
  EXPECT_FALSE(put.error().retryable);
  for (const auto& message : {head.error().message, put.error().message}) {
    EXPECT_EQ(message.find(wrong.credentials.secret_access_key), std::string::npos) << message;
    EXPECT_EQ(message.find(endpoint_.credentials.secret_access_key), std::string::npos) << message;
  }
  EXPECT_NE(put.error().message.find("PutObject of " + bucket_ + "/f-1/any.wse"), std::string::npos)
      << put.error().message;
}

INSTANTIATE_TEST_SUITE_P(Checksums, S3ClientCephTest,
                         ::testing::Values(S3Checksum::kSha256, S3Checksum::kMd5),
                         [](const ::testing::TestParamInfo<S3Checksum>& info) {
                           return info.param == S3Checksum::kSha256 ? "sha256" : "md5";
                         });

}  // namespace
}  // namespace wasl::sdk::aws
