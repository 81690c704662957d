// Signs a request and reads an object through S3Client over a transport that
// answers from memory; exits 0 when both behave.
#include <cstdio>
#include <string>

#include "wasl/sdk/aws/s3_client.hpp"
#include "wasl/sdk/aws/sigv4.hpp"

namespace {

class MemoryTransport final : public wasl::sdk::aws::S3Transport {
 public:
  wasl::sdk::Result<wasl::sdk::HttpResponse> send(const wasl::sdk::HttpRequest&) override {
    wasl::sdk::HttpResponse response;
    response.status = 200;
    response.headers = {{"Content-Length", "5"}, {"ETag", "\"e\""}};
    return response;
  }
  wasl::sdk::Result<wasl::sdk::HttpResponse> send_streaming(
      const wasl::sdk::HttpRequest& request, const wasl::sdk::ChunkSink& sink) override {
    last_url = request.url;
    WASL_RETURN_IF_ERROR(sink("hello"));
    wasl::sdk::HttpResponse response;
    response.status = 200;
    response.headers = {{"Content-Length", "5"}};
    return response;
  }
  std::string last_url;
};

int check() {
  wasl::sdk::aws::SigningRequest request;
  request.method = "GET";
  request.host = "example.amazonaws.com";
  request.path = "/";
  auto signed_request = wasl::sdk::aws::sign_request(
      request, {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::nullopt},
      {"us-east-1", "service", std::chrono::system_clock::time_point()});
  if (!signed_request.ok() || signed_request->signature.size() != 64) return 1;

  MemoryTransport transport;
  wasl::sdk::aws::S3Client client(
      transport, {"http://127.0.0.1:7480", "us-east-1", true, {"AKID", "SECRET", std::nullopt}});
  std::string got;
  auto read = client.get_object("bucket", "a key", 0, std::nullopt, [&](std::string_view chunk) {
    got.append(chunk);
    return wasl::sdk::Status();
  });
  if (!read.ok() || got != "hello" ||
      transport.last_url != "http://127.0.0.1:7480/bucket/a%20key") {
    return 2;
  }
  return 0;
}

}  // namespace

#ifdef AWS_CONSUMER_MODULE
extern "C" __attribute__((visibility("default"))) int aws_consumer_check() { return check(); }
#else
int main() {
  int result = check();
  std::printf("aws_consumer: %s\n", result == 0 ? "ok" : "failed");
  return result;
}
#endif
