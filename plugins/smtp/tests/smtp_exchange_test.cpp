// Reading libcurl's SMTP trace, and the sdk::Error each failure maps to.
#include "plugins/smtp/smtp_exchange.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wasl::plugins::smtp {
namespace {

using sdk::ErrorCode;

constexpr std::chrono::milliseconds kConnect{10000};
constexpr std::chrono::milliseconds kTotal{60000};

// A conversation as libcurl reports it: "C: " lines the client sent, "S: "
// reply lines.
SmtpExchange replay(const std::vector<std::string>& trace) {
  SmtpExchange exchange;
  for (const std::string& line : trace) {
    const std::string data = line.substr(3) + "\r\n";
    exchange.observe(line[0] == 'C' ? CURLINFO_HEADER_OUT : CURLINFO_HEADER_IN, data);
  }
  return exchange;
}

const std::vector<std::string> kUpToRcpt = {
    "S: 220 smtp.example ESMTP",
    "C: EHLO hospital.example",
    "S: 250-smtp.example",
    "S: 250-STARTTLS",
    "S: 250 AUTH PLAIN LOGIN",
    "C: STARTTLS",
    "S: 220 2.0.0 Ready to start TLS",
    "C: EHLO hospital.example",
    "S: 250 AUTH PLAIN LOGIN",
    "C: AUTH PLAIN AHdhc2wAc2VjcmV0",
    "S: 235 2.7.0 Authentication successful",
    "C: MAIL FROM:<clinic@hospital.example>",
    "S: 250 2.1.0 Accepted",
    "C: RCPT TO:<patient@example.org>",
};

std::vector<std::string> with(std::vector<std::string> trace,
                              const std::vector<std::string>& more) {
  trace.insert(trace.end(), more.begin(), more.end());
  return trace;
}

TEST(SmtpExchange, FollowsTheConversation) {
  const SmtpExchange done = replay(
      with(kUpToRcpt, {"S: 250 2.1.5 Accepted", "C: DATA", "S: 354 End data with <CR><LF>.<CR><LF>",
                       "S: 250 2.0.0 OK: queued as 7"}));
  EXPECT_TRUE(done.tls);
  EXPECT_TRUE(done.authenticated);
  EXPECT_EQ(done.stage, SmtpStage::kMessage);
  EXPECT_EQ(done.reply_code, 250);
  EXPECT_EQ(done.enhanced_status, "2.0.0");
  EXPECT_EQ(done.reply_stage, SmtpStage::kMessage);
}

TEST(SmtpExchange, SaslAnswersAreNotCommandsAndQuitChangesNothing) {
  const SmtpExchange login = replay(
      {"S: 220 ready", "C: EHLO h", "S: 250 AUTH LOGIN", "C: AUTH LOGIN", "S: 334 VXNlcm5hbWU6",
       "C: DATA",  // a username whose base64 reads "DATA"
       "S: 334 UGFzc3dvcmQ6", "C: cGFzcw==", "S: 535 5.7.8 Authentication credentials invalid",
       "C: QUIT", "S: 221 Bye"});
  EXPECT_EQ(login.stage, SmtpStage::kAuth);
  EXPECT_EQ(login.reply_code, 535);
  EXPECT_EQ(login.enhanced_status, "5.7.8");
  EXPECT_FALSE(login.authenticated);
  EXPECT_FALSE(login.tls);
}

TEST(SmtpExchange, MultilineRepliesCountOnceTheyEnd) {
  SmtpExchange e;
  e.observe(CURLINFO_HEADER_IN, "250-first\r\n250-second\r\n");
  EXPECT_EQ(e.reply_code, 0);
  e.observe(CURLINFO_HEADER_IN, "250 last\r\n");
  EXPECT_EQ(e.reply_code, 250);
  e.observe(CURLINFO_TEXT, "550 not a reply, a note of libcurl's\n");
  EXPECT_EQ(e.reply_code, 250);
}

struct Case {
  const char* what;
  std::vector<std::string> trace;
  CURLcode code;
  ErrorCode expected;
  bool retryable;
  const char* named;  // a fragment the message must hold
};

TEST(SmtpFailure, EachFailureMapsToItsCode) {
  const std::vector<Case> cases = {
      {"recipient refused", with(kUpToRcpt, {"S: 550 5.1.1 <patient@example.org>: no such user"}),
       CURLE_SEND_ERROR, ErrorCode::kInvalidArgument, false, "RCPT TO answered 550 5.1.1"},
      {"recipient deferred", with(kUpToRcpt, {"S: 451 4.3.0 try later"}), CURLE_SEND_ERROR,
       ErrorCode::kUnavailable, true, "451 4.3.0"},
      {"message deferred",
       with(kUpToRcpt, {"S: 250 ok", "C: DATA", "S: 354 go", "S: 451 4.3.0 later"}),
       CURLE_WEIRD_SERVER_REPLY, ErrorCode::kUnavailable, true, "the message answered 451"},
      {"message refused",
       with(kUpToRcpt, {"S: 250 ok", "C: DATA", "S: 354 go", "S: 554 5.6.0 refused"}),
       CURLE_WEIRD_SERVER_REPLY, ErrorCode::kInvalidArgument, false, "refuses this message"},
      {"closing at MAIL",
       {"S: 220 hi", "C: EHLO h", "S: 250 ok", "C: MAIL FROM:<a@b.c>", "S: 421 4.4.2 closing"},
       CURLE_SEND_ERROR,
       ErrorCode::kUnavailable,
       true,
       "MAIL FROM answered 421"},
      {"sender refused",
       {"S: 220 hi", "C: MAIL FROM:<a@b.c>", "S: 553 5.7.1 not yours"},
       CURLE_SEND_ERROR,
       ErrorCode::kFailedPrecondition,
       false,
       "check from"},
      {"login refused",
       {"S: 220 hi", "C: AUTH PLAIN x", "S: 535 5.7.8 no"},
       CURLE_LOGIN_DENIED,
       ErrorCode::kPermissionDenied,
       false,
       "username and password"},
      {"login denied without a reply",
       {"S: 220 hi"},
       CURLE_LOGIN_DENIED,
       ErrorCode::kPermissionDenied,
       false,
       "refused the login"},
      {"greeting 421",
       {"S: 421 4.3.2 busy"},
       CURLE_WEIRD_SERVER_REPLY,
       ErrorCode::kUnavailable,
       true,
       "the greeting answered 421"},
      {"greeting 554",
       {"S: 554 5.7.1 go away"},
       CURLE_WEIRD_SERVER_REPLY,
       ErrorCode::kFailedPrecondition,
       false,
       "refuses the conversation"},
      {"no STARTTLS",
       {"S: 220 hi", "C: EHLO h", "S: 250 AUTH PLAIN"},
       CURLE_USE_SSL_FAILED,
       ErrorCode::kFailedPrecondition,
       false,
       "STARTTLS"},
      {"untrusted certificate",
       {"S: 220 hi", "C: STARTTLS", "S: 220 go"},
       CURLE_PEER_FAILED_VERIFICATION,
       ErrorCode::kFailedPrecondition,
       false,
       "http.ca_file"},
      {"refused connection",
       {},
       CURLE_COULDNT_CONNECT,
       ErrorCode::kUnavailable,
       true,
       "the greeting"},
      {"dropped after the message", with(kUpToRcpt, {"S: 250 ok", "C: DATA", "S: 354 go"}),
       CURLE_RECV_ERROR, ErrorCode::kUnavailable, true, "during the message"},
      {"timed out", with(kUpToRcpt, {"S: 250 ok", "C: DATA"}), CURLE_OPERATION_TIMEDOUT,
       ErrorCode::kDeadlineExceeded, true, "timed out during DATA"},
      {"sent without AUTH",
       {"S: 220 hi", "C: STARTTLS", "S: 220 go", "C: MAIL FROM:<a@b.c>", "S: 250 ok",
        "C: RCPT TO:<d@e.f>", "S: 250 ok", "C: DATA", "S: 354 go"},
       CURLE_ABORTED_BY_CALLBACK,
       ErrorCode::kFailedPrecondition,
       false,
       "did not authenticate"},
  };
  for (const Case& c : cases) {
    const sdk::Error error =
        smtp_failure(c.code, replay(c.trace), "", "smtp://127.0.0.1:4577", kConnect, kTotal);
    EXPECT_EQ(error.code, c.expected) << c.what << ": " << error.message;
    EXPECT_EQ(error.retryable, c.retryable) << c.what;
    EXPECT_NE(error.message.find(c.named), std::string::npos) << c.what << ": " << error.message;
    EXPECT_NE(error.message.find("smtp://127.0.0.1:4577"), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("patient@"), std::string::npos)
        << c.what << " quotes the recipient: " << error.message;
    EXPECT_EQ(error.message.find("no such user"), std::string::npos)
        << c.what << " quotes the server's text: " << error.message;
  }
}

}  // namespace
}  // namespace wasl::plugins::smtp
