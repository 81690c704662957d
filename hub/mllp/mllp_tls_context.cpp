#include "hub/mllp/mllp_tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "hub/crypto/client_identity.hpp"
#include "hub/crypto/secret_bytes.hpp"
#include "hub/crypto/tls_policy.hpp"

namespace wasl::mllp {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Names the context's session cache entries: resuming a session requires it
// when client certificates are verified.
constexpr std::string_view kSessionIdContext = "wasl-mllp";

sdk::Error invalid(std::string message) {
  ERR_clear_error();
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message), false);
}

// The whole file, or a sentence naming it and the system's reason.
sdk::Result<std::string> read_file(const std::string& path, const char* what) {
  const auto unreadable = [&] {
    return invalid("cannot read the TLS " + std::string(what) + " file '" + path + "' (" +
                   std::strerror(errno) + ")");
  };
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return unreadable();
  std::string bytes;
  char chunk[4096];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) bytes.append(chunk, n);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return unreadable();
  return bytes;
}

// Adds every CA of the bundle to the verification store and to the list of
// CA names the server sends in its certificate request (so a client holding
// several certificates picks the right one).
sdk::Status trust_client_cas(SSL_CTX* context, const std::string& pem, const std::string& path) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return invalid("cannot read the TLS CA file '" + path + "' (out of memory)");
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  bool ok = true;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    ok = ok && X509_STORE_add_cert(store, cert) == 1 && SSL_CTX_add_client_CA(context, cert) == 1;
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  if (!ok) return invalid("cannot use the CAs of the TLS CA file '" + path + "'");
  return {};
}

}  // namespace

sdk::Result<std::unique_ptr<asio::ssl::context>> make_mllp_tls_context(const MllpTlsOptions& tls) {
  WASL_ASSIGN_OR_RETURN(const std::string certificate,
                        read_file(tls.certificate_file, "certificate"));
  WASL_ASSIGN_OR_RETURN(std::string key_read, read_file(tls.private_key_file, "private key"));
  const crypto::SecretBytes key_bytes(key_read);  // wiped when done with
  OPENSSL_cleanse(key_read.data(), key_read.size());
  const std::string_view key = key_bytes.view();

  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  context->set_options(asio::ssl::context::default_workarounds |
                       asio::ssl::context::no_compression | asio::ssl::context::single_dh_use);
  // A client asking for renegotiation after renegotiation would spend the
  // one I/O thread's time on handshakes.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, crypto::kTlsServerCipherList) != 1) {
    return invalid("OpenSSL refuses the hub's TLS policy (TLS 1.2 or later, cipher list '" +
                   std::string(crypto::kTlsServerCipherList) + "')");
  }
  // An encrypted key is refused rather than asked for on the terminal.
  context->set_password_callback(
      [](std::size_t, asio::ssl::context::password_purpose) { return std::string(); });

  error_code ec;
  if (certificate.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return invalid("the TLS certificate file '" + tls.certificate_file +
                   "' is not PEM (no -----BEGIN CERTIFICATE----- line)");
  }
  context->use_certificate_chain(asio::buffer(certificate), ec);
  if (ec) {
    return invalid("the TLS certificate file '" + tls.certificate_file +
                   "' holds no usable certificate chain (" + ec.message() + ")");
  }
  if (key.find("PRIVATE KEY-----") == std::string_view::npos) {
    return invalid("the TLS private key file '" + tls.private_key_file +
                   "' is not PEM (no -----BEGIN … PRIVATE KEY----- line)");
  }
  context->use_private_key(asio::buffer(key.data(), key.size()), asio::ssl::context::pem, ec);
  if (ec || SSL_CTX_check_private_key(native) != 1) {
    if (!ec ||
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
      return invalid("the private key in '" + tls.private_key_file +
                     "' does not belong to the certificate in '" + tls.certificate_file + "'");
    }
    return invalid("the TLS private key file '" + tls.private_key_file +
                   "' holds no usable private key (" + ec.message() +
                   (key.find("ENCRYPTED") != std::string_view::npos ? "; it is encrypted, which is "
                                                                      "not supported"
                                                                    : "") +
                   ")");
  }

  if (!tls.ca_file.empty()) {
    WASL_ASSIGN_OR_RETURN(const std::string bundle, read_file(tls.ca_file, "CA"));
    auto anchors = crypto::TrustAnchors::from_pem(bundle);
    if (!anchors.ok()) {
      return invalid("the TLS CA file '" + tls.ca_file + "': " + anchors.error().message);
    }
    WASL_RETURN_IF_ERROR(trust_client_cas(native, anchors->pem(), tls.ca_file));
    context->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    SSL_CTX_set_verify_depth(native, crypto::kTlsVerifyDepth);
  } else {
    context->set_verify_mode(asio::ssl::verify_none);
  }
  SSL_CTX_set_session_id_context(native,
                                 reinterpret_cast<const unsigned char*>(kSessionIdContext.data()),
                                 static_cast<unsigned int>(kSessionIdContext.size()));
  return context;
}

}  // namespace wasl::mllp
