#include "plugins/sms/recipient_number.hpp"

namespace wasl::plugins::sms {

sdk::Result<std::string> gateway_recipient(std::string_view e164) {
  auto refuse = [](const char* why) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      std::string("the SMS recipient is not an E.164 number: ") + why, false);
  };
  if (e164.empty()) return refuse("it is empty");
  if (e164.front() != '+') return refuse("it does not start with '+' and a country code");
  const std::string_view digits = e164.substr(1);
  for (char c : digits) {
    if (c < '0' || c > '9') return refuse("it holds a character other than digits after '+'");
  }
  if (digits.size() < 7 || digits.size() > 15)
    return refuse("it has fewer than 7 or more than 15 digits");
  if (digits.front() == '0') return refuse("a country code never starts with 0");
  return std::string(digits);
}

}  // namespace wasl::plugins::sms
