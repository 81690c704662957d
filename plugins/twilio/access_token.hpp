// Twilio Access Tokens: the JWT a browser or app presents to Twilio Video to
// join a room (what twilio-node's AccessToken with a VideoGrant produces).
//
// Header: {"alg":"HS256","typ":"JWT","cty":"twilio-fpa;v=1"}.
// Claims: jti "<api key sid>-<iat>", iss = API key SID, sub = account SID,
// iat, exp = iat + ttl, nbf when asked, and
// grants = {"identity": <identity>, "video": {"room": <room>}} ("video": {}
// when no room is named, which lets the holder join any room of the account).
// Signed HS256 with the API key secret through Poco::JWT.
//
// Pure and thread-safe. The secret is borrowed for the call, never copied into
// an error or kept.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio {

inline constexpr std::string_view kAccessTokenContentType = "twilio-fpa;v=1";

// Twilio refuses tokens valid for longer than 24 hours.
inline constexpr std::chrono::seconds kMaxAccessTokenTtl{24 * 60 * 60};

struct AccessTokenRequest {
  std::string account_sid;          // "AC…", the token's subject
  std::string api_key_sid;          // "SK…", the token's issuer
  std::string_view api_key_secret;  // borrowed; the HMAC key
  std::string identity;             // the participant's identity in the room
  std::optional<std::string> room;  // room UniqueName or SID the grant is limited to
  std::chrono::system_clock::time_point issued_at;  // truncated to whole seconds
  std::chrono::seconds ttl{3600};                   // 1 s .. kMaxAccessTokenTtl
  std::optional<std::chrono::system_clock::time_point> not_before;
};

// The signed compact JWT. kInvalidArgument when a SID, the identity or the
// secret is empty, the SIDs lack their AC/SK prefixes, or the TTL is out of
// range; kInternal if Poco::JWT fails (the message names no secret).
sdk::Result<std::string> build_access_token(const AccessTokenRequest& request);

}  // namespace wasl::plugins::twilio
