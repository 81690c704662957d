// S3Client over a scripted S3Transport: what goes on the wire (addressing,
// signing, checksums, ranges) and how answers are read (errors, pages,
// malformed documents). The same client against a real Ceph gateway:
// tests/integration/s3/s3_client_ceph_test.cpp.
#include "wasl/sdk/aws/s3_client.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::sdk::aws {
namespace {

// Answers queued responses in order and records every request. A streamed
// answer's body is handed to the sink in chunks of `chunk_size`; `break_after`
// ends a streamed answer early as a lost connection.
class ScriptedTransport final : public S3Transport {
 public:
  struct Answer {
    HttpResponse response;
    std::optional<std::size_t> break_after;  // bytes sent before the connection drops
    std::optional<Error> failure;            // no answer at all
  };

  void queue(HttpResponse response) { answers_.push_back({std::move(response), {}, {}}); }
  void queue_broken(HttpResponse response, std::size_t after) {
    answers_.push_back({std::move(response), after, {}});
  }
  void queue_failure(Error error) { answers_.push_back({{}, {}, std::move(error)}); }

  Result<HttpResponse> send(const HttpRequest& request) override {
    requests.push_back(request);
    Answer answer = next();
    if (answer.failure) return *answer.failure;
    return answer.response;
  }

  Result<HttpResponse> send_streaming(const HttpRequest& request, const ChunkSink& sink) override {
    requests.push_back(request);
    Answer answer = next();
    if (answer.failure) return *answer.failure;
    std::string body = std::move(answer.response.body);
    answer.response.body.clear();
    const std::size_t end = std::min(body.size(), answer.break_after.value_or(body.size()));
    for (std::size_t at = 0; at < end; at += chunk_size) {
      WASL_RETURN_IF_ERROR(sink(std::string_view(body).substr(at, std::min(chunk_size, end - at))));
    }
    if (answer.break_after) return Error(ErrorCode::kUnavailable, "connection reset", true);
    return answer.response;
  }

  std::chrono::system_clock::time_point now() override {
    return std::chrono::sys_days(std::chrono::year(2026) / 11 / 27) + std::chrono::hours(9);
  }
  void sleep(std::chrono::nanoseconds duration) override { slept.push_back(duration); }
  void warn(std::string_view message) override { warnings.emplace_back(message); }

  std::vector<HttpRequest> requests;
  std::vector<std::chrono::nanoseconds> slept;
  std::vector<std::string> warnings;
  std::size_t chunk_size = 1000;

 private:
  Answer next() {
    if (answers_.empty()) return {{}, {}, Error(ErrorCode::kInternal, "no answer queued", false)};
    Answer answer = std::move(answers_.front());
    answers_.pop_front();
    return answer;
  }
  std::deque<Answer> answers_;
};

std::string header(const HttpRequest& request, std::string_view name) {
  HttpResponse as_response;
  as_response.headers = request.headers;
  return as_response.header(name);
}

HttpResponse answer(int status, std::string body = {},
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "session-token-value";

S3Endpoint endpoint(bool path_style = true) {
  return {"http://127.0.0.1:7480/", "us-east-1", path_style,
          AwsCredentials{"AKIDEXAMPLE", kSecret, std::nullopt}};
}

class S3ClientTest : public ::testing::Test {
 protected:
  ChunkSink collect() {
    return [this](std::string_view chunk) {
      received_.append(chunk);
      return Status();
    };
  }
  ScriptedTransport transport_;
  std::string received_;
};

TEST_F(S3ClientTest, PathStyleAndVirtualHostedAddressesAreSignedForTheHostTheyGoTo) {
  S3Client path(transport_, endpoint(true));
  transport_.queue(answer(200, {}, {{"Content-Length", "5"}, {"ETag", "\"e\""}}));
  ASSERT_TRUE(path.head_object("wasl-recordings", "f1/rec one.wse").ok());
  S3Client hosted(transport_, endpoint(false));
  transport_.queue(answer(200, {}, {{"Content-Length", "5"}, {"ETag", "\"e\""}}));
  ASSERT_TRUE(hosted.head_object("wasl-recordings", "f1/rec one.wse").ok());

  ASSERT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(transport_.requests[0].method, "HEAD");
  EXPECT_EQ(transport_.requests[0].url, "http://127.0.0.1:7480/wasl-recordings/f1/rec%20one.wse");
  EXPECT_EQ(header(transport_.requests[0], "Host"), "127.0.0.1:7480");
  EXPECT_EQ(transport_.requests[1].url, "http://wasl-recordings.127.0.0.1:7480/f1/rec%20one.wse");
  EXPECT_EQ(header(transport_.requests[1], "Host"), "wasl-recordings.127.0.0.1:7480");
  for (const auto& request : transport_.requests) {
    EXPECT_EQ(header(request, "x-amz-content-sha256"),
              "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(header(request, "X-Amz-Date"), "20261127T090000Z");
    EXPECT_NE(header(request, "Authorization")
                  .find("Credential=AKIDEXAMPLE/20261127/us-east-1/s3/aws4_request"),
              std::string::npos);
  }
}

TEST_F(S3ClientTest, AVirtualHostedBucketMustBeADnsLabel) {
  S3Client hosted(transport_, endpoint(false));
  auto head = hosted.head_object("Wasl_Recordings", "k");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(transport_.requests.empty());
}

TEST_F(S3ClientTest, ASessionTokenIsSentAndSignedButNeverInAnError) {
  S3Endpoint with_token = endpoint();
  with_token.credentials.session_token = kToken;
  S3Client client(transport_, with_token);
  transport_.queue(answer(403, std::string("<Error><Code>AccessDenied</Code><Message>token ") +
                                   kToken + " secret " + kSecret + "</Message></Error>"));
  auto head = client.delete_object("bucket", "key");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(head.error().message.find(kToken), std::string::npos);
  EXPECT_EQ(head.error().message.find(kSecret), std::string::npos);
  EXPECT_NE(head.error().message.find("DeleteObject of bucket/key"), std::string::npos);
  ASSERT_EQ(transport_.requests.size(), 1u);
  EXPECT_EQ(header(transport_.requests[0], "X-Amz-Security-Token"), kToken);
  EXPECT_NE(header(transport_.requests[0], "Authorization").find("x-amz-security-token"),
            std::string::npos);
}

TEST_F(S3ClientTest, AWrongSignatureIsAPermissionDeniedNamingTheObject) {
  S3Client client(transport_, endpoint());
  transport_.queue(answer(403,
                          "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code>"
                          "<Message></Message><RequestId>tx1</RequestId></Error>"));
  auto head = client.get_object("bucket", "a/b", 0, std::nullopt, collect());
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(head.error().retryable);
  EXPECT_EQ(
      head.error().message,
      "S3 GetObject of bucket/a/b failed with HTTP 403 SignatureDoesNotMatch (RequestId tx1)");
  EXPECT_TRUE(received_.empty());
}

TEST_F(S3ClientTest, APartCarriesItsSha256ChecksumAndIsSignedWithItsHash) {
  S3Client client(transport_, endpoint());
  transport_.queue(answer(200,
                          "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
                          "<UploadId>up-1</UploadId></InitiateMultipartUploadResult>"));
  transport_.queue(answer(200, {}, {{"ETag", "\"p1\""}}));
  auto upload = client.create_multipart_upload("bucket", "k");
  ASSERT_TRUE(upload.ok()) << upload.error().message;
  EXPECT_EQ(*upload, "up-1");
  auto part = client.upload_part("bucket", "k", *upload, 1, "hello");
  ASSERT_TRUE(part.ok()) << part.error().message;
  EXPECT_EQ(part->etag, "\"p1\"");
  EXPECT_EQ(part->checksum_sha256, "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");

  const HttpRequest& create = transport_.requests[0];
  EXPECT_EQ(create.method, "POST");
  EXPECT_EQ(create.url, "http://127.0.0.1:7480/bucket/k?uploads=");
  EXPECT_EQ(header(create, "x-amz-checksum-algorithm"), "SHA256");
  const HttpRequest& put = transport_.requests[1];
  EXPECT_EQ(put.method, "PUT");
  EXPECT_EQ(put.url, "http://127.0.0.1:7480/bucket/k?partNumber=1&uploadId=up-1");
  EXPECT_EQ(put.body, "hello");
  EXPECT_EQ(header(put, "x-amz-checksum-sha256"), part->checksum_sha256);
  EXPECT_EQ(header(put, "x-amz-sdk-checksum-algorithm"), "SHA256");
  EXPECT_EQ(header(put, "x-amz-content-sha256"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_NE(header(put, "Authorization").find("x-amz-checksum-sha256"), std::string::npos);
  EXPECT_EQ(header(put, "Content-MD5"), "");
}

TEST_F(S3ClientTest, TheMd5OptionSendsContentMd5Instead) {
  S3ClientOptions options;
  options.checksum = S3Checksum::kMd5;
  S3Client client(transport_, endpoint(), options);
  transport_.queue(answer(200,
                          "<InitiateMultipartUploadResult><UploadId>up-1</UploadId>"
                          "</InitiateMultipartUploadResult>"));
  transport_.queue(answer(200, {}, {{"ETag", "\"p1\""}}));
  ASSERT_TRUE(client.create_multipart_upload("bucket", "k").ok());
  auto part = client.upload_part("bucket", "k", "up-1", 2, "hello");
  ASSERT_TRUE(part.ok());
  EXPECT_TRUE(part->checksum_sha256.empty());
  EXPECT_EQ(header(transport_.requests[0], "x-amz-checksum-algorithm"), "");
  EXPECT_EQ(header(transport_.requests[1], "Content-MD5"), "XUFAKrxLKna5cZ2REBfFkg==");
  EXPECT_EQ(header(transport_.requests[1], "x-amz-checksum-sha256"), "");
  // The MD5 is the body's check and is signed; the body itself is not hashed again.
  EXPECT_EQ(header(transport_.requests[1], "x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_NE(header(transport_.requests[1], "Authorization").find("content-md5"), std::string::npos);
}

TEST_F(S3ClientTest, CompletionListsThePartsAndA200CarryingAnErrorIsAnError) {
  S3Client client(transport_, endpoint());
  std::vector<S3UploadedPart> parts{{1, "\"a\"", "c1"}, {2, "\"b&\"", "c2"}};
  transport_.queue(answer(200,
                          "<?xml version=\"1.0\"?>\n\n<Error><Code>InvalidPart</Code>"
                          "<Message>One or more of the specified parts could not be found."
                          "</Message></Error>"));
  auto refused = client.complete_multipart_upload("bucket", "k", "up-1", parts);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInternal);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("InvalidPart"), std::string::npos);
  EXPECT_EQ(transport_.requests[0].body,
            "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><ChecksumSHA256>c1</ChecksumSHA256>"
            "</Part><Part><PartNumber>2</PartNumber><ETag>\"b&amp;\"</ETag>"
            "<ChecksumSHA256>c2</ChecksumSHA256></Part></CompleteMultipartUpload>");
  EXPECT_EQ(transport_.requests[0].url, "http://127.0.0.1:7480/bucket/k?uploadId=up-1");

  // InternalError inside a 200 is transient: tried again.
  transport_.queue(answer(200, "<Error><Code>InternalError</Code></Error>"));
  transport_.queue(answer(200,
                          "<CompleteMultipartUploadResult><ETag>\"x-2\"</ETag>"
                          "</CompleteMultipartUploadResult>"));
  auto completed = client.complete_multipart_upload("bucket", "k", "up-1", parts);
  ASSERT_TRUE(completed.ok()) << completed.error().message;
  EXPECT_EQ(*completed, "\"x-2\"");
  EXPECT_EQ(transport_.requests.size(), 3u);
}

TEST_F(S3ClientTest, ACompletionAnsweredWithoutAnETagTakesTheObjectsETag) {
  S3Client client(transport_, endpoint());
  transport_.queue(answer(200,
                          "<CompleteMultipartUploadResult><Bucket>bucket</Bucket><Key>k</Key>"
                          "<ETag></ETag></CompleteMultipartUploadResult>"));
  transport_.queue(answer(200, {}, {{"Content-Length", "10"}, {"ETag", "\"abc-1\""}}));
  auto completed = client.complete_multipart_upload("bucket", "k", "up-1", {{1, "\"a\"", ""}});
  ASSERT_TRUE(completed.ok()) << completed.error().message;
  EXPECT_EQ(*completed, "\"abc-1\"");
  ASSERT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(transport_.requests[1].method, "HEAD");
}

TEST_F(S3ClientTest, GarbageAnswersAreErrorsNotCrashes) {
  S3ClientOptions options;
  options.max_document_bytes = 64;
  S3Client client(transport_, endpoint(), options);
  const std::vector<std::string> garbage{
      "",
      "not xml",
      "<ListBucketResult><Contents><Key>",
      std::string(3, '\0'),
      "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
      "<Other/>",
      std::string(65, '<')};
  for (const auto& body : garbage) {
    transport_.queue(answer(200, body));
    auto listed = client.list_objects("bucket", "p/");
    ASSERT_FALSE(listed.ok()) << body;
    EXPECT_EQ(listed.error().code, ErrorCode::kInternal) << body;
  }
  for (const auto& body : garbage) {
    transport_.queue(answer(200, body));
    EXPECT_FALSE(client.create_multipart_upload("bucket", "k").ok()) << body;
    transport_.queue(answer(200, body));
    EXPECT_FALSE(client.complete_multipart_upload("bucket", "k", "u", {{1, "e", ""}}).ok());
    transport_.queue(answer(200, body));
    EXPECT_FALSE(client.list_multipart_uploads("bucket", "p/").ok()) << body;
    transport_.queue(answer(404, body));
    auto head = client.head_object("bucket", "k");
    ASSERT_FALSE(head.ok());
    EXPECT_EQ(head.error().code, ErrorCode::kNotFound);
  }
}

TEST_F(S3ClientTest, ListsFollowEveryPage) {
  S3Client client(transport_, endpoint());
  transport_.queue(answer(200,
                          "<ListBucketResult><IsTruncated>true</IsTruncated>"
                          "<NextContinuationToken>t/2+</NextContinuationToken>"
                          "<Contents><Key>p/a</Key><Size>3</Size><ETag>\"1\"</ETag></Contents>"
                          "</ListBucketResult>"));
  transport_.queue(answer(200,
                          "<ListBucketResult><IsTruncated>false</IsTruncated>"
                          "<Contents><Key>p/b &amp; c</Key><Size>70000</Size></Contents>"
                          "</ListBucketResult>"));
  auto listed = client.list_objects("bucket", "p/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].key, "p/a");
  EXPECT_EQ((*listed)[0].etag, "\"1\"");
  EXPECT_EQ((*listed)[1].key, "p/b & c");
  EXPECT_EQ((*listed)[1].size, 70000u);
  EXPECT_EQ(transport_.requests[0].url, "http://127.0.0.1:7480/bucket?list-type=2&prefix=p%2F");
  EXPECT_EQ(transport_.requests[1].url,
            "http://127.0.0.1:7480/bucket?continuation-token=t%2F2%2B&list-type=2&prefix=p%2F");

  transport_.queue(answer(200,
                          "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
                          "<NextKeyMarker>p/a</NextKeyMarker><NextUploadIdMarker>u1"
                          "</NextUploadIdMarker><Upload><Key>p/a</Key><UploadId>u1</UploadId>"
                          "<Initiated>2026-11-27T09:00:00.000Z</Initiated></Upload>"
                          "</ListMultipartUploadsResult>"));
  transport_.queue(answer(200,
                          "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
                          "<Upload><Key>p/b</Key><UploadId>u2</UploadId></Upload>"
                          "</ListMultipartUploadsResult>"));
  auto uploads = client.list_multipart_uploads("bucket", "p/");
  ASSERT_TRUE(uploads.ok()) << uploads.error().message;
  ASSERT_EQ(uploads->size(), 2u);
  EXPECT_EQ((*uploads)[0].upload_id, "u1");
  EXPECT_EQ((*uploads)[0].initiated, "2026-11-27T09:00:00.000Z");
  EXPECT_EQ((*uploads)[1].key, "p/b");
  EXPECT_EQ(
      transport_.requests[3].url,
      "http://127.0.0.1:7480/bucket?key-marker=p%2Fa&prefix=p%2F&upload-id-marker=u1&uploads=");
}

TEST_F(S3ClientTest, VersionListsFollowBothMarkers) {
  S3Client client(transport_, endpoint());
  transport_.queue(answer(200,
                          "<ListVersionsResult><IsTruncated>true</IsTruncated>"
                          "<NextKeyMarker>p/a</NextKeyMarker>"
                          "<NextVersionIdMarker>v1</NextVersionIdMarker>"
                          "<Version><Key>p/a</Key><VersionId>v2</VersionId>"
                          "<IsLatest>true</IsLatest><Size>5</Size></Version>"
                          "<DeleteMarker><Key>p/a</Key><VersionId>v1</VersionId></DeleteMarker>"
                          "</ListVersionsResult>"));
  transport_.queue(answer(200,
                          "<ListVersionsResult><IsTruncated>false</IsTruncated>"
                          "<Version><Key>p/b</Key><VersionId>v3</VersionId><Size>7</Size></Version>"
                          "</ListVersionsResult>"));
  auto versions = client.list_object_versions("bucket", "p/");
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_TRUE((*versions)[0].is_latest);
  EXPECT_EQ((*versions)[0].size, 5u);
  EXPECT_TRUE((*versions)[1].delete_marker);
  EXPECT_EQ((*versions)[2].key, "p/b");
  EXPECT_EQ(
      transport_.requests[1].url,
      "http://127.0.0.1:7480/bucket?key-marker=p%2Fa&prefix=p%2F&version-id-marker=v1&versions=");
}

TEST_F(S3ClientTest, AListThatNeverMovesOnOrNamesNothingIsAnError) {
  S3Client client(transport_, endpoint());
  // The same markers twice: the store would be asked for the same page forever.
  const std::string stuck =
      "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated>"
      "<NextKeyMarker>p/a</NextKeyMarker><NextUploadIdMarker>u1</NextUploadIdMarker>"
      "</ListMultipartUploadsResult>";
  transport_.queue(answer(200, stuck));
  transport_.queue(answer(200, stuck));
  auto uploads = client.list_multipart_uploads("bucket", "p/");
  ASSERT_FALSE(uploads.ok());
  EXPECT_EQ(uploads.error().code, ErrorCode::kInternal);
  EXPECT_NE(uploads.error().message.find("no new marker"), std::string::npos)
      << uploads.error().message;
  EXPECT_EQ(transport_.requests.size(), 2u);

  // An upload without its id could not be aborted: the list is refused.
  transport_.queue(answer(200,
                          "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
                          "<Upload><Key>p/a</Key></Upload></ListMultipartUploadsResult>"));
  uploads = client.list_multipart_uploads("bucket", "p/");
  ASSERT_FALSE(uploads.ok());
  EXPECT_EQ(uploads.error().code, ErrorCode::kInternal);

  // A truncated page of versions without a next key marker.
  transport_.queue(answer(200,
                          "<ListVersionsResult><IsTruncated>true</IsTruncated>"
                          "<NextVersionIdMarker>v1</NextVersionIdMarker></ListVersionsResult>"));
  auto versions = client.list_object_versions("bucket", "p/");
  ASSERT_FALSE(versions.ok());
  EXPECT_EQ(versions.error().code, ErrorCode::kInternal);
}

TEST_F(S3ClientTest, ARangedReadAsksForExactlyItsBytesAndResumesWithinThem) {
  S3Client client(transport_, endpoint());
  std::string object(100000, '\0');
  for (std::size_t i = 0; i < object.size(); ++i) object[i] = static_cast<char>(i * 7 % 251);
  // Bytes 60000..79999: the first answer breaks after 12000 of them.
  transport_.queue_broken(answer(206, object.substr(60000, 20000),
                                 {{"Content-Length", "20000"},
                                  {"Content-Range", "bytes 60000-79999/100000"},
                                  {"ETag", "\"v1\""}}),
                          12000);
  transport_.queue(answer(206, object.substr(72000, 8000),
                          {{"Content-Length", "8000"},
                           {"Content-Range", "bytes 72000-79999/100000"},
                           {"ETag", "\"v1\""}}));
  auto read = client.get_object("bucket", "k", 60000, 20000, collect());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(received_, object.substr(60000, 20000));
  EXPECT_EQ(read->delivered, 20000);
  EXPECT_EQ(read->object_size, 100000);
  ASSERT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(header(transport_.requests[0], "Range"), "bytes=60000-79999");
  EXPECT_EQ(header(transport_.requests[0], "If-Match"), "");
  EXPECT_EQ(header(transport_.requests[1], "Range"), "bytes=72000-79999");
  // The ETag is only known once an answer completed; the break lost it.
  EXPECT_EQ(transport_.warnings.size(), 1u);
}

TEST_F(S3ClientTest, AStoreThatIgnoresTheRangesEndNeverOverfillsTheSink) {
  S3Client client(transport_, endpoint());
  transport_.queue(answer(206, std::string(50000, 'x'),
                          {{"Content-Length", "50000"}, {"Content-Range", "bytes 0-49999/50000"}}));
  auto read = client.get_object("bucket", "k", 0, 10000, collect());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kInternal);
  EXPECT_LE(received_.size(), 10000u);
}

TEST_F(S3ClientTest, AZeroLengthReadSendsNothing) {
  S3Client client(transport_, endpoint());
  auto read = client.get_object("bucket", "k", 5, 0, collect());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->delivered, 0);
  EXPECT_TRUE(transport_.requests.empty());
}

TEST_F(S3ClientTest, FailuresWithoutAnAnswerAreRetriedThenReportedRetryable) {
  S3ClientOptions options;
  options.max_attempts = 2;
  S3Client client(transport_, endpoint(), options);
  transport_.queue_failure(Error(ErrorCode::kUnavailable, "connection refused", true));
  transport_.queue(answer(503, "<Error><Code>SlowDown</Code></Error>"));
  auto head = client.head_object("bucket", "k");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(head.error().retryable);
  EXPECT_EQ(transport_.requests.size(), 2u);
  EXPECT_EQ(transport_.slept.size(), 1u);
  // Each attempt is signed afresh (same clock here, so the same signature).
  EXPECT_FALSE(header(transport_.requests[1], "Authorization").empty());
}

TEST_F(S3ClientTest, NoSuchKeyAndNoSuchUploadAreNotFound) {
  S3Client client(transport_, endpoint());
  transport_.queue(answer(404, "<Error><Code>NoSuchKey</Code></Error>"));
  auto read = client.get_object("bucket", "k", 0, std::nullopt, collect());
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  transport_.queue(answer(404, "<Error><Code>NoSuchUpload</Code></Error>"));
  auto aborted = client.abort_multipart_upload("bucket", "k", "u");
  ASSERT_FALSE(aborted.ok());
  EXPECT_EQ(aborted.error().code, ErrorCode::kNotFound);
  // Deleting what is not there is done.
  transport_.queue(answer(204));
  EXPECT_TRUE(client.delete_object("bucket", "k").ok());
}

TEST_F(S3ClientTest, AnInvalidEndpointFailsEveryCallAndNamesNoSecret) {
  S3Endpoint bad = endpoint();
  bad.base_url = std::string("http://AKIDEXAMPLE:") + kSecret + "@127.0.0.1:7480";
  auto status = S3Client::validate(bad);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message.find(kSecret), std::string::npos);
  S3Client client(transport_, bad);
  auto head = client.head_object("bucket", "k");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(transport_.requests.empty());
  EXPECT_FALSE(S3Client::validate({"ftp://x", "us-east-1", true, {"a", "b", {}}}).ok());
  EXPECT_FALSE(S3Client::validate({"http://x", "", true, {"a", "b", {}}}).ok());
  EXPECT_FALSE(S3Client::validate({"http://x", "r", true, {"a", "", {}}}).ok());
  EXPECT_TRUE(S3Client::validate({"https://x/base/", "r", true, {"a", "b", {}}}).ok());
}

TEST_F(S3ClientTest, ABasePathPrefixesEveryPath) {
  S3Endpoint based = endpoint();
  based.base_url = "https://gw.example/s3/";
  S3Client client(transport_, based);
  transport_.queue(answer(204));
  ASSERT_TRUE(client.delete_object("bucket", "k").ok());
  EXPECT_EQ(transport_.requests[0].url, "https://gw.example/s3/bucket/k");
}

}  // namespace
}  // namespace wasl::sdk::aws
