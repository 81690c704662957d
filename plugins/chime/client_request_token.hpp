// The ClientRequestToken Chime and Media Pipelines receive for a create,
// derived from Wasl's idempotency key so that every retry of one workflow
// step sends the same token (never a random one).
//
// The botocore model constrains the token to 2..64 characters of
// [-_a-zA-Z0-9]; the lowercase hex SHA-256 of the key is exactly 64 such
// characters, whatever the key holds. A later generation (a meeting recreated
// after the first one ended) hashes "<key>:<generation>".
//
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

// Errors: kInvalidArgument for an empty key or a generation below 1;
// kInternal when OpenSSL fails.
wasl::sdk::Result<std::string> client_request_token(std::string_view idempotency_key,
                                                    int generation = 1);

}  // namespace wasl::plugins::chime
