// The recipient as the gateway takes it: an E.164 number ("+966501234567")
// written as its digits without the '+' ("966501234567"), the form the Saudi
// gateways' REST APIs (Taqnyat, Unifonic) expect in `recipients`.
//
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::sms {

// The gateway's digits of `e164`: '+' followed by 7 to 15 digits, the first
// not 0 (ITU-T E.164: a country code never starts with 0; 15 digits at
// most). Nothing else is taken: no spaces, dashes, brackets, "00" prefix or
// national form, which would need a guess at the country.
// kInvalidArgument (not retryable) otherwise, in a message that never
// repeats the number.
sdk::Result<std::string> gateway_recipient(std::string_view e164);

}  // namespace wasl::plugins::sms
