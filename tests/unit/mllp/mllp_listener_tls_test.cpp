// The MLLP listener with TLS, against the certificates of scripts/test-pki
// (tests/unit/support/test_pki.hpp): the listener presents server.crt; with
// ca.crt as its CA file it requires client.crt (or another certificate of
// that CA); other-client.crt is from a CA it does not trust.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "hub/mllp/mllp_listener.hpp"
#include "hub/observability/metrics.hpp"
#include "tests/unit/mllp/mllp_test_calls.hpp"
#include "tests/unit/mllp/mllp_test_client.hpp"
#include "tests/unit/mllp/mllp_tls_test_client.hpp"
#include "tests/unit/support/test_pki.hpp"

namespace wasl::mllp {
namespace {

using namespace std::chrono_literals;
using testing::Calls;
using testing::frame;
using testing::Gate;
using ::testing::HasSubstr;
using testing::MllpTestClient;
using testing::MllpTlsTestClient;
using testing::TlsClientSettings;
using wasl::testing::TestPki;

constexpr auto kTlsWait = 5s;  // the bound on anything that should happen

MllpTlsOptions server_tls(bool require_client_certificates) {
  const TestPki& pki = TestPki::get();
  return {pki.path("server.crt").string(), pki.path("server.key").string(),
          require_client_certificates ? pki.path("ca.crt").string() : std::string()};
}

TlsClientSettings client(const std::string& identity = "") {
  const TestPki& pki = TestPki::get();
  TlsClientSettings settings;
  settings.ca_file = pki.path("ca.crt").string();
  if (!identity.empty()) {
    settings.certificate_file = pki.path(identity + ".crt").string();
    settings.key_file = pki.path(identity + ".key").string();
  }
  return settings;
}

std::unique_ptr<MllpListener> start_tls_listener(MllpTlsOptions tls, MllpLimits limits,
                                                 MllpHandler handler,
                                                 observability::Metrics* metrics = nullptr) {
  MllpListenerOptions options;
  options.limits = limits;
  options.name = "tls";
  options.tls = std::move(tls);
  auto started = MllpListener::start(options, std::move(handler), metrics);
  EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  return started.ok() ? std::move(started).value() : nullptr;
}

MllpHandler echo_handler(Calls& calls) {
  return [&calls](const MllpMessage& message) {
    calls.record(message);
    if (message.data == "bye") return MllpReply{"BYE", true};
    return MllpReply{"ACK:" + message.data, false};
  };
}

bool has_metric(const observability::Metrics& metrics, const std::string& line) {
  return metrics.render().find(line) != std::string::npos;
}

// Whether `line` shows in the metrics before `within` passes (the listener
// counts a close on its I/O thread, after the client has seen it).
bool metric_within(const observability::Metrics& metrics, const std::string& line,
                   std::chrono::milliseconds within) {
  const auto deadline = testing::Clock::now() + within;
  for (;;) {
    if (has_metric(metrics, line)) return true;
    if (testing::Clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
}

TEST(MllpListenerTlsTest, ATlsClientGetsItsReplyAndAClosingReplyEndsWithCloseNotify) {
  Calls calls;
  auto listener = start_tls_listener(server_tls(false), {}, echo_handler(calls));
  ASSERT_NE(listener, nullptr);

  MllpTlsTestClient tls(listener->port(), client());
  ASSERT_TRUE(tls.valid()) << tls.error();
  ASSERT_TRUE(tls.handshake(kTlsWait)) << tls.error();
  ASSERT_TRUE(tls.send_all(frame("MSH|^~\\&|A\rPID|1\r")));
  EXPECT_EQ(tls.read_frame(kTlsWait), "ACK:MSH|^~\\&|A\rPID|1\r");
  ASSERT_TRUE(tls.send_all(frame("second")));
  EXPECT_EQ(tls.read_frame(kTlsWait), "ACK:second");
  ASSERT_TRUE(calls.wait_for(2, kTlsWait));
  const MllpMessage seen = calls.messages().at(0);
  EXPECT_EQ(seen.peer_address, "127.0.0.1");
  EXPECT_EQ(seen.peer_certificate_subject, "") << "no client certificate was asked for";

  ASSERT_TRUE(tls.send_all(frame("bye")));
  EXPECT_EQ(tls.read_frame(kTlsWait), "BYE");
  EXPECT_TRUE(tls.closed_within(kTlsWait));
  EXPECT_EQ(tls.error(), "close_notify");
}

TEST(MllpListenerTlsTest, APlainTextClientIsClosedWithoutAReplyAndHoldsNoWorker) {
  Calls calls;
  Gate release;
  observability::Metrics metrics;
  MllpLimits limits;
  limits.workers = 1;
  auto listener = start_tls_listener(
      server_tls(false), limits,
      [&](const MllpMessage& message) {
        calls.record(message);
        release.wait();
        return MllpReply{"ACK:" + message.data, false};
      },
      &metrics);
  ASSERT_NE(listener, nullptr);

  // The one worker is busy with a TLS client's message...
  MllpTlsTestClient busy(listener->port(), client());
  ASSERT_TRUE(busy.handshake(kTlsWait)) << busy.error();
  ASSERT_TRUE(busy.send_all(frame("held")));
  ASSERT_TRUE(calls.wait_for(1, kTlsWait));

  // ...and a plain-text sender is still turned away at once.
  MllpTestClient plain(listener->port());
  ASSERT_TRUE(plain.valid());
  ASSERT_TRUE(plain.send_all(frame("MSH|^~\\&|plain")));
  EXPECT_EQ(plain.read_frame(kTlsWait), std::nullopt);
  EXPECT_TRUE(plain.closed_within(0ms));
  EXPECT_TRUE(metric_within(
      metrics, "wasl_mllp_connections_closed_total{listener=\"tls\",reason=\"handshake_failed\"} 1",
      kTlsWait))
      << metrics.render();

  release.open();
  EXPECT_EQ(busy.read_frame(kTlsWait), "ACK:held");
  EXPECT_EQ(calls.messages().size(), 1U) << "the plain-text message never reached the handler";
}

TEST(MllpListenerTlsTest, WithACaFileAClientCertificateOfThatCaIsServedAndNamed) {
  Calls calls;
  auto listener = start_tls_listener(server_tls(true), {}, echo_handler(calls));
  ASSERT_NE(listener, nullptr);
  MllpTlsTestClient tls(listener->port(), client("client"));
  ASSERT_TRUE(tls.handshake(kTlsWait)) << tls.error();
  ASSERT_TRUE(tls.send_all(frame("one")));
  EXPECT_EQ(tls.read_frame(kTlsWait), "ACK:one");
  ASSERT_TRUE(calls.wait_for(1, kTlsWait));
  EXPECT_EQ(calls.messages().at(0).peer_certificate_subject,
            "CN=N-F-00001,O=Saudi General Hospital");
}

TEST(MllpListenerTlsTest, WithACaFileNoCertificateOrOneOfAnotherCaIsRefusedAtTheHandshake) {
  Calls calls;
  observability::Metrics metrics;
  auto listener = start_tls_listener(server_tls(true), {}, echo_handler(calls), &metrics);
  ASSERT_NE(listener, nullptr);

  int refused = 0;
  for (const std::string identity : {"", "other-client"}) {
    SCOPED_TRACE(identity.empty() ? "no certificate" : identity);
    MllpTlsTestClient tls(listener->port(), client(identity));
    ASSERT_TRUE(tls.valid()) << tls.error();
    // Under TLS 1.3 the client's side of the handshake may complete before
    // the listener has judged its certificate; the refusal is then an alert
    // on the next read.
    if (tls.handshake(kTlsWait)) {
      tls.send_all(frame("one"));
      EXPECT_EQ(tls.read_frame(kTlsWait), std::nullopt);
    }
    EXPECT_TRUE(tls.closed_within(kTlsWait));
    EXPECT_THAT(tls.error(), HasSubstr("alert")) << "the listener said why";
    ++refused;
    EXPECT_TRUE(metric_within(metrics,
                              "wasl_mllp_connections_closed_total{listener=\"tls\",reason="
                              "\"handshake_failed\"} " +
                                  std::to_string(refused),
                              kTlsWait))
        << metrics.render();
  }
  EXPECT_FALSE(calls.wait_for(1, 0ms)) << "no message reached the handler";
}

TEST(MllpListenerTlsTest, AClientThatNeverSendsAClientHelloIsClosedAtTheReadTimeout) {
  Calls calls;
  observability::Metrics metrics;
  MllpLimits limits;
  limits.read_timeout = 300ms;  // the idle time (5 minutes) does not start before the handshake
  auto listener = start_tls_listener(server_tls(true), limits, echo_handler(calls), &metrics);
  ASSERT_NE(listener, nullptr);
  const auto started = testing::Clock::now();
  MllpTestClient silent(listener->port());
  ASSERT_TRUE(silent.valid());
  EXPECT_TRUE(silent.closed_within(kTlsWait));
  const auto took = testing::Clock::now() - started;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(metric_within(
      metrics,
      "wasl_mllp_connections_closed_total{listener=\"tls\",reason=\"handshake_timeout\"} 1",
      kTlsWait))
      << metrics.render();
}

TEST(MllpListenerTlsTest, AConnectionInItsHandshakeCountsAgainstThePeerCap) {
  Calls calls;
  MllpLimits limits;
  limits.max_connections_per_peer = 1;
  auto listener = start_tls_listener(server_tls(false), limits, echo_handler(calls));
  ASSERT_NE(listener, nullptr);
  MllpTestClient silent(listener->port());  // connected, no ClientHello
  ASSERT_TRUE(silent.valid());
  MllpTlsTestClient second(listener->port(), client());
  EXPECT_FALSE(second.handshake(kTlsWait)) << "closed on accept";
  EXPECT_FALSE(silent.closed_within(0ms));
}

TEST(MllpListenerTlsTest, TlsOlderThanOneTwoIsRefused) {
  Calls calls;
  auto listener = start_tls_listener(server_tls(false), {}, echo_handler(calls));
  ASSERT_NE(listener, nullptr);
  TlsClientSettings old = client();
  old.max_version = TLS1_1_VERSION;
  old.legacy = true;
  MllpTlsTestClient tls(listener->port(), old);
  ASSERT_TRUE(tls.valid()) << tls.error();
  EXPECT_FALSE(tls.handshake(kTlsWait));
  // The listener's alert, not the client refusing to offer TLS 1.1.
  EXPECT_THAT(tls.error(), HasSubstr("alert protocol version"));
}

TEST(MllpListenerTlsTest, StartNamesTheTlsFileItCannotUse) {
  const TestPki& pki = TestPki::get();
  const auto start_with = [](MllpTlsOptions tls) {
    MllpListenerOptions options;
    options.name = "his-a";
    options.tls = std::move(tls);
    return MllpListener::start(
        options, [](const MllpMessage&) { return MllpReply{}; }, nullptr);
  };
  const std::string missing = pki.path("missing.crt").string();
  auto no_file = start_with({missing, pki.path("server.key").string(), ""});
  ASSERT_FALSE(no_file.ok());
  EXPECT_EQ(no_file.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(no_file.error().message, "mllp his-a: cannot read the TLS certificate file '" +
                                         missing + "' (No such file or directory)");

  const std::string key = pki.path("server.key").string();
  auto key_as_certificate = start_with({key, key, ""});
  ASSERT_FALSE(key_as_certificate.ok());
  EXPECT_EQ(key_as_certificate.error().message,
            "mllp his-a: the TLS certificate file '" + key +
                "' is not PEM (no -----BEGIN CERTIFICATE----- line)");

  auto wrong_key =
      start_with({pki.path("server.crt").string(), pki.path("other-server.key").string(), ""});
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error().message, "mllp his-a: the private key in '" +
                                           pki.path("other-server.key").string() +
                                           "' does not belong to the certificate in '" +
                                           pki.path("server.crt").string() + "'");

  const std::string encrypted = pki.path("server-encrypted.key").string();
  const std::string command = "openssl pkcs8 -topk8 -v2 aes-256-cbc -in '" + key + "' -out '" +
                              encrypted + "' -passout pass:open-sesame 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto encrypted_key = start_with({pki.path("server.crt").string(), encrypted, ""});
  ASSERT_FALSE(encrypted_key.ok());
  EXPECT_THAT(encrypted_key.error().message, HasSubstr("the TLS private key file '" + encrypted +
                                                       "' holds no usable private key"));
  EXPECT_THAT(encrypted_key.error().message, HasSubstr("it is encrypted, which is not supported"));

  const std::string text = pki.path("not-a-ca.txt").string();
  std::ofstream(text) << "certs/ca.crt\n";
  auto bad_ca = start_with({pki.path("server.crt").string(), key, text});
  ASSERT_FALSE(bad_ca.ok());
  EXPECT_THAT(bad_ca.error().message, HasSubstr("the TLS CA file '" + text + "'"));
  EXPECT_THAT(bad_ca.error().message, HasSubstr("not PEM"));
}

}  // namespace
}  // namespace wasl::mllp
