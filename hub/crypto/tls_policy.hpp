// TlsPolicy: what the hub's TLS listeners (the HTTP server's server.tls, an
// MLLP listener's tls) accept, so that both answer a client the same way.
// TLS 1.2 is the oldest version accepted (each listener sets it through its
// own TLS library); these are the TLS 1.2 cipher suites, as an OpenSSL cipher
// list (TLS 1.3's are OpenSSL's defaults, all of them strong); and a client
// certificate's chain is verified at most this many certificates deep.
#pragma once

namespace wasl::crypto {

inline constexpr const char* kTlsServerCipherList = "HIGH:!aNULL:!MD5:!RC4:!3DES";
inline constexpr int kTlsVerifyDepth = 9;

}  // namespace wasl::crypto
