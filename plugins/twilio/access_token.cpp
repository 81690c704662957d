#include "plugins/twilio/access_token.hpp"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Timestamp.h>

namespace wasl::plugins::twilio {
namespace {

sdk::Error invalid(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message), false);
}

Poco::Timestamp to_poco(std::chrono::system_clock::time_point t) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(seconds));
}

}  // namespace

sdk::Result<std::string> build_access_token(const AccessTokenRequest& request) {
  if (request.account_sid.size() < 3 || request.account_sid.rfind("AC", 0) != 0) {
    return invalid("Twilio account SID must start with AC; check the instance's account_sid");
  }
  if (request.api_key_sid.size() < 3 || request.api_key_sid.rfind("SK", 0) != 0) {
    return invalid("Twilio API key SID must start with SK; check the instance's api_key_sid");
  }
  if (request.api_key_secret.empty()) {
    return invalid("Twilio API key secret is empty; set the instance's api_key_secret");
  }
  if (request.identity.empty()) {
    return invalid("an access token needs a participant identity");
  }
  if (request.room && request.room->empty()) {
    return invalid("an access token's room grant names an empty room");
  }
  if (request.ttl < std::chrono::seconds(1) || request.ttl > kMaxAccessTokenTtl) {
    return invalid("access token TTL must be between 1 second and 24 hours, got " +
                   std::to_string(request.ttl.count()) + " s");
  }

  const auto iat = std::chrono::time_point_cast<std::chrono::seconds>(request.issued_at);
  try {
    Poco::JWT::Token token;
    token.setType("JWT");
    token.setContentType(std::string(kAccessTokenContentType));
    token.setId(request.api_key_sid + "-" + std::to_string(iat.time_since_epoch().count()));
    token.setIssuer(request.api_key_sid);
    token.setSubject(request.account_sid);
    token.setIssuedAt(to_poco(iat));
    token.setExpiration(to_poco(iat + request.ttl));
    if (request.not_before) token.setNotBefore(to_poco(*request.not_before));

    Poco::JSON::Object::Ptr video = new Poco::JSON::Object;
    if (request.room) video->set("room", *request.room);
    Poco::JSON::Object::Ptr grants = new Poco::JSON::Object;
    grants->set("identity", request.identity);
    grants->set("video", video);
    token.payload().set("grants", grants);

    Poco::JWT::Signer signer(std::string(request.api_key_secret));
    return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
  } catch (const Poco::Exception& e) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      std::string("could not sign the Twilio access token (") + e.className() + ")",
                      false);
  } catch (const std::exception&) {
    return sdk::Error(sdk::ErrorCode::kInternal, "could not sign the Twilio access token", false);
  }
}

}  // namespace wasl::plugins::twilio
