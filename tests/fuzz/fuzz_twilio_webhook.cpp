// A Twilio status callback through the verifier: the form body, the
// X-Twilio-Signature header and the URL all come from the input. The first
// line is the URL, the second the signature, the rest the body; every tenth
// input is signed correctly so the parser behind the signature is reached.
#include <cstddef>
#include <cstdint>
#include <string>

#include "plugins/twilio/form_encoding.hpp"
#include "plugins/twilio/request_signature.hpp"
#include "plugins/twilio/twilio_webhook_verifier.hpp"

namespace {
std::string next_line(std::string& rest) {
  auto nl = rest.find('\n');
  std::string line = rest.substr(0, nl);
  rest = nl == std::string::npos ? std::string() : rest.substr(nl + 1);
  return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasl::plugins::twilio;
  static const std::string kToken = "fuzz-auth-token";
  std::string rest(reinterpret_cast<const char*>(data), size);
  wasl::sdk::WebhookRequest request;
  request.method = "POST";
  request.url = next_line(rest);
  std::string signature = next_line(rest);
  request.body = rest;
  if (size % 10 == 0) {
    auto fields = parse_form(request.body);
    if (fields.ok()) signature = compute_signature(kToken, request.url, *fields);
  }
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"X-Twilio-Signature", signature}};
  TwilioWebhookVerifier verifier(kToken);
  (void)verifier.verify(request);
  (void)verify_json_body_signature(kToken, signature, request.url, request.body);
  return 0;
}
