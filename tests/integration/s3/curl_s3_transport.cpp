#include "tests/integration/s3/curl_s3_transport.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace wasl::testing {
namespace {

using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::HttpResponse;

struct Exchange {
  HttpResponse response;
  const wasl::sdk::ChunkSink* sink = nullptr;
  std::optional<Error> sink_error;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    exchange->response.headers.clear();  // a new status line (after 100 Continue)
  } else if (auto colon = line.find(':'); colon != std::string::npos) {
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    exchange->response.headers.emplace_back(line.substr(0, colon), value);
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view chunk(data, size * count);
  if (exchange->sink == nullptr) {
    exchange->response.body.append(chunk);
    return chunk.size();
  }
  auto status = (*exchange->sink)(chunk);
  if (!status.ok()) {
    exchange->sink_error = status.error();
    return 0;
  }
  return chunk.size();
}

}  // namespace

wasl::sdk::Result<HttpResponse> CurlS3Transport::send(const wasl::sdk::HttpRequest& request) {
  return perform(request, nullptr);
}

wasl::sdk::Result<HttpResponse> CurlS3Transport::send_streaming(
    const wasl::sdk::HttpRequest& request, const wasl::sdk::ChunkSink& sink) {
  return perform(request, &sink);
}

wasl::sdk::Result<HttpResponse> CurlS3Transport::perform(const wasl::sdk::HttpRequest& request,
                                                         const wasl::sdk::ChunkSink* sink) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Error(ErrorCode::kInternal, "curl_easy_init failed", false);
  CURL* handle = curl.get();
  Exchange exchange;
  exchange.sink = sink;
  curl_slist* headers = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
    if (name.size() == 12 && strncasecmp(name.c_str(), "Content-Type", 12) == 0) {
      has_content_type = true;
    }
  }
  // No "Expect: 100-continue" round trip; no Content-Type curl would invent.
  headers = curl_slist_append(headers, "Expect:");
  if (!has_content_type) headers = curl_slist_append(headers, "Content-Type:");
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers,
                                                                          &curl_slist_free_all);
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &on_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &exchange);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(request.timeout.value_or(std::chrono::seconds(120)).count()));
  if (request.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (request.method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty() || request.method == "PUT" || request.method == "POST") {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
  CURLcode code = curl_easy_perform(handle);
  if (exchange.sink_error) return *exchange.sink_error;
  if (code != CURLE_OK) {
    return Error(ErrorCode::kUnavailable,
                 std::string("no answer from the S3 store: ") + curl_easy_strerror(code), true);
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  exchange.response.status = static_cast<int>(status);
  return std::move(exchange.response);
}

}  // namespace wasl::testing
