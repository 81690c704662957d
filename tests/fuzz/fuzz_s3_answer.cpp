// S3's answers to the SDK's S3Client (wasl/sdk/aws/s3_client.hpp): the input
// is the body (and, from its first byte, the status) of every answer a
// transport gives, through each operation that reads a document or an
// error: lists (objects, versions, uploads), multipart creates and
// completions, HEAD, ranged GETs, Object Lock's legal hold and configuration.
#include <cstddef>
#include <cstdint>
#include <string>

#include "wasl/sdk/aws/s3_client.hpp"

namespace {

class InputTransport final : public wasl::sdk::aws::S3Transport {
 public:
  InputTransport(int status, std::string body) : status_(status), body_(std::move(body)) {}

  wasl::sdk::Result<wasl::sdk::HttpResponse> send(const wasl::sdk::HttpRequest&) override {
    wasl::sdk::HttpResponse response;
    response.status = status_;
    response.body = body_;
    response.headers = {{"Content-Length", body_.substr(0, 8)}, {"ETag", "\"e\""}};
    return response;
  }
  wasl::sdk::Result<wasl::sdk::HttpResponse> send_streaming(
      const wasl::sdk::HttpRequest&, const wasl::sdk::ChunkSink& sink) override {
    WASL_RETURN_IF_ERROR(sink(body_));
    wasl::sdk::HttpResponse response;
    response.status = status_;
    response.headers = {{"Content-Length", body_.substr(0, 8)},
                        {"Content-Range", body_.substr(0, 24)}};
    return response;
  }
  void sleep(std::chrono::nanoseconds) override {}

 private:
  int status_;
  std::string body_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const int kStatuses[] = {200, 206, 204, 400, 403, 404, 412, 416, 500, 503};
  const int status = kStatuses[data[0] % (sizeof(kStatuses) / sizeof(kStatuses[0]))];
  InputTransport transport(status, std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  wasl::sdk::aws::S3ClientOptions options;
  options.max_attempts = 2;
  options.max_document_bytes = 1 << 16;
  wasl::sdk::aws::S3Client client(
      transport, {"http://127.0.0.1:7480", "us-east-1", true, {"AKID", "SECRET", std::nullopt}},
      options);
  (void)client.list_objects("bucket", "p/");
  (void)client.list_multipart_uploads("bucket", "p/");
  (void)client.create_multipart_upload("bucket", "k");
  (void)client.complete_multipart_upload("bucket", "k", "u", {{1, "\"e\"", "c"}});
  (void)client.head_object("bucket", "k");
  (void)client.list_object_versions("bucket", "p/");
  (void)client.get_object_legal_hold("bucket", "k", "v");
  (void)client.object_lock_enabled("bucket");
  (void)client.put_object_legal_hold("bucket", "k", true);
  (void)client.put_object_retention("bucket", "k", {});
  (void)client.delete_object_version("bucket", "k", "v");
  (void)client.delete_object("bucket", "k");
  (void)client.get_object("bucket", "k", 3, 10,
                          [](std::string_view) { return wasl::sdk::Status(); });
  return 0;
}
