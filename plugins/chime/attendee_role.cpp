#include "plugins/chime/attendee_role.hpp"

#include "wasl/sdk/aws/sigv4.hpp"

namespace wasl::plugins::chime {

wasl::sdk::Result<AttendeeCapabilities> capabilities_for_role(std::string_view role) {
  AttendeeCapabilities caps;
  if (role == "clinician") return caps;
  if (role == "patient" || role == "interpreter" || role.empty()) {
    caps.content = "Receive";
    return caps;
  }
  if (role == "observer") {
    caps.audio = caps.video = caps.content = "Receive";
    return caps;
  }
  return wasl::sdk::Error(wasl::sdk::ErrorCode::kInvalidArgument,
                          "participant role '" + std::string(role) +
                              "' is not one of clinician, patient, interpreter, observer",
                          false);
}

std::string role_from_capabilities(const AttendeeCapabilities& c) {
  if (c.audio == "SendReceive" && c.video == "SendReceive" && c.content == "SendReceive") {
    return "clinician";
  }
  if (c.audio == "SendReceive" && c.video == "SendReceive" && c.content == "Receive") {
    return "participant";
  }
  if (c.audio == "Receive" && c.video == "Receive" && c.content == "Receive") return "observer";
  return {};
}

namespace {

// The model's ExternalUserId pattern, ASCII part: [-_&@+=,(){}\[\]\/«».:|'"#a-zA-Z0-9À-ÿ\s]
bool allowed_ascii(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  static constexpr std::string_view kPunctuation = "-_&@+=,(){}[]/.:|'\"# ";
  return kPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::string external_user_id_for(std::string_view identity) {
  bool usable = identity.size() >= 2 && identity.size() <= 64 && identity.substr(0, 4) != "aws:";
  for (char c : identity) {
    if (!usable) break;
    usable = allowed_ascii(static_cast<unsigned char>(c));
  }
  if (usable) return std::string(identity);
  auto digest = wasl::sdk::aws::sha256_hex(identity);
  return "wasl-" + (digest.ok() ? digest->substr(0, 40) : std::string(40, '0'));
}

}  // namespace wasl::plugins::chime
