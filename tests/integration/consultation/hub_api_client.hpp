// HubApiClient: a small HTTP/1.1 client for the hub's /v1 API in end-to-end
// tests: JSON bodies, a bearer API key, an optional Idempotency-Key, and raw
// bodies for downloads. Loopback only; every request is bounded by a 15 s
// socket timeout. A test double's tool: never shipped.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace wasl::testing {

struct ApiAnswer {
  int status = 0;       // 0: no answer (transport failure, described in `body`)
  std::string body;     // raw body
  nlohmann::json json;  // parsed body, or null when it is not JSON
  std::map<std::string, std::string> headers;  // lower-case names
};

class HubApiClient {
 public:
  HubApiClient(int port, std::string api_key) : port_(port), api_key_(std::move(api_key)) {}

  ApiAnswer get(const std::string& path) const;
  // GET with a Range header, e.g. "bytes=0-0".
  ApiAnswer get_range(const std::string& path, const std::string& range) const;
  // `idempotency_key` empty: no Idempotency-Key header.
  ApiAnswer post(const std::string& path, const nlohmann::json& body,
                 const std::string& idempotency_key = {}) const;
  ApiAnswer del(const std::string& path) const { return send("DELETE", path, nullptr, {}); }
  // PUT of a text body (e.g. a workflow file) with `content_type`.
  ApiAnswer put_text(const std::string& path, const std::string& body,
                     const std::string& content_type) const;
  // The API key it sends.
  const std::string& api_key() const { return api_key_; }

 private:
  ApiAnswer send(const std::string& method, const std::string& path, const std::string* body,
                 const std::string& idempotency_key,
                 const std::string& content_type = "application/json",
                 const std::string& range = {}) const;

  int port_;
  std::string api_key_;
};

}  // namespace wasl::testing
