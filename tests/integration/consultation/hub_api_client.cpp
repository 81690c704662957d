#include "tests/integration/consultation/hub_api_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <cctype>

namespace wasl::testing {

ApiAnswer HubApiClient::get(const std::string& path) const {
  return send(Poco::Net::HTTPRequest::HTTP_GET, path, nullptr, {});
}

ApiAnswer HubApiClient::get_range(const std::string& path, const std::string& range) const {
  return send(Poco::Net::HTTPRequest::HTTP_GET, path, nullptr, {}, "application/json", range);
}

ApiAnswer HubApiClient::post(const std::string& path, const nlohmann::json& body,
                             const std::string& idempotency_key) const {
  std::string text = body.dump();
  return send(Poco::Net::HTTPRequest::HTTP_POST, path, &text, idempotency_key);
}

ApiAnswer HubApiClient::put_text(const std::string& path, const std::string& body,
                                 const std::string& content_type) const {
  return send(Poco::Net::HTTPRequest::HTTP_PUT, path, &body, {}, content_type);
}

ApiAnswer HubApiClient::send(const std::string& method, const std::string& path,
                             const std::string* body, const std::string& idempotency_key,
                             const std::string& content_type, const std::string& range) const {
  ApiAnswer answer;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
    session.setTimeout(Poco::Timespan(15, 0));
    Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!api_key_.empty()) request.set("Authorization", "Bearer " + api_key_);
    if (!idempotency_key.empty()) request.set("Idempotency-Key", idempotency_key);
    if (!range.empty()) request.set("Range", range);
    if (body != nullptr) {
      request.setContentType(content_type);
      request.setContentLength(static_cast<std::streamsize>(body->size()));
      session.sendRequest(request) << *body;
    } else {
      session.sendRequest(request);
    }
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, answer.body);
    answer.status = static_cast<int>(response.getStatus());
    for (const auto& [name, value] : response) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      answer.headers[lower] = value;
    }
    answer.json = nlohmann::json::parse(answer.body, nullptr, false);
    if (answer.json.is_discarded()) answer.json = nullptr;
  } catch (const std::exception& e) {
    answer.status = 0;
    answer.body = method + " " + path + " failed: " + e.what();
  }
  return answer;
}

}  // namespace wasl::testing
