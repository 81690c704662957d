// make_mllp_tls_context: the OpenSSL server context of an MLLP listener with
// TLS, from MllpTlsOptions' files: TLS 1.2 or later with the hub's TLS policy
// (crypto/tls_policy.hpp), the certificate chain and its key, and, with a CA
// file, a required client certificate verified against it. Internal to
// hub/mllp.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "hub/mllp/mllp_listener.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::mllp {

// Reads the files once. Fails (kInvalidArgument) with a sentence naming the
// file and what is wrong: it cannot be read (the system's reason), it holds
// no PEM certificate or key (OpenSSL's reason), the key does not belong to the
// certificate. The context is then only read, by any thread.
sdk::Result<std::unique_ptr<boost::asio::ssl::context>> make_mllp_tls_context(
    const MllpTlsOptions& tls);

}  // namespace wasl::mllp
