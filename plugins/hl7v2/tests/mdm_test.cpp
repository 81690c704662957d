// create_encounter and attach_document: the MDM^T02 sent to an MLLP server
// on loopback (a test double written here) and each way the HIS can answer.
#include "plugins/hl7v2/mdm.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "plugins/hl7v2/er7_message.hpp"
#include "plugins/hl7v2/feed.hpp"
#include "plugins/hl7v2/hl7v2_ehr_connector.hpp"
#include "plugins/hl7v2/tests/standard_messages.hpp"
#include "plugins/hl7v2/tests/test_settings.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::hl7v2 {
namespace {

using nlohmann::json;
using ::wasl::hl7v2::Er7Message;
using ::wasl::hl7v2::standard_message;
using Clock = std::chrono::steady_clock;

// How the test server answers each connection.
enum class Reply { kAccept, kError, kReject, kClose, kSilent };

// An MLLP server on 127.0.0.1 (port 0): for each connection, in order, reads
// one frame, keeps its bytes and answers as the next Reply says. Every wait
// is a poll() bounded by kPatience; a test double, never shipped.
class MllpTestServer {
 public:
  static constexpr std::chrono::seconds kPatience{10};

  explicit MllpTestServer(std::vector<Reply> replies) : replies_(std::move(replies)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 4) != 0) {
      throw std::runtime_error("the test server cannot listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~MllpTestServer() {
    thread_.join();
    ::close(listener_);
  }

  int port() const { return port_; }
  // The frames received so far, framing removed.
  std::vector<std::string> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  static bool wait(int fd, short events, Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{fd, events, 0};
    return left > 0 && ::poll(&p, 1, static_cast<int>(left)) > 0;
  }

  // MSH-10 of a message (its first segment split on '|').
  static std::string control_id(const std::string& message) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    const std::string msh = message.substr(0, message.find('\r'));
    for (std::size_t bar; (bar = msh.find('|', start)) != std::string::npos; start = bar + 1) {
      fields.push_back(msh.substr(start, bar - start));
    }
    fields.push_back(msh.substr(start));
    return fields.size() > 9 ? fields[9] : "";
  }

  static std::string ack(const std::string& code, const std::string& id, bool with_err) {
    std::string out = "MSH|^~\\&|HIS|KFSH|WASL||20240501101500||ACK^T02^ACK|ACK-" + id +
                      "|P|2.5.1\rMSA|" + code + "|" + id + "\r";
    if (with_err) {
      out +=
          "ERR||TXA^1^12|207^Application internal error^HL70357|E||||document store is "
          "read-only\r";
    }
    return "\x0B" + out + "\x1C\x0D";
  }

  void serve() {
    for (Reply reply : replies_) {
      const auto deadline = Clock::now() + kPatience;
      if (!wait(listener_, POLLIN, deadline)) return;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      std::string frame;
      char buffer[4096];
      while (frame.find("\x1C\x0D") == std::string::npos && wait(fd, POLLIN, deadline)) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        frame.append(buffer, static_cast<std::size_t>(n));
      }
      const std::string message =
          frame.size() >= 3 ? frame.substr(1, frame.size() - 3) : std::string();
      {
        std::lock_guard lock(mutex_);
        received_.push_back(message);
      }
      std::string answer;
      if (reply == Reply::kAccept) answer = ack("AA", control_id(message), false);
      if (reply == Reply::kError) answer = ack("AE", control_id(message), true);
      if (reply == Reply::kReject) answer = ack("AR", control_id(message), true);
      if (!answer.empty()) ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      if (reply == Reply::kSilent) {
        // Until the client gives up and closes.
        while (wait(fd, POLLIN, deadline) && ::recv(fd, buffer, sizeof buffer, 0) > 0) {
        }
      }
      ::close(fd);
    }
  }

  std::vector<Reply> replies_;
  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<std::string> received_;
};

Er7Message parsed(const std::string& text) {
  auto message = Er7Message::parse(text);
  if (!message.ok()) throw std::invalid_argument(message.error().message);
  return std::move(message).value();
}

json outbound_to(int port, json more = json::object()) {
  json outbound = {{"host", "127.0.0.1"}, {"port", port}, {"timeout_ms", 5000}};
  outbound.update(more);
  return {{"outbound", outbound}};
}

// A host whose state holds the A04 example's patient, and a connector on it.
struct Instance {
  explicit Instance(const json& settings) : host(testing::with_schema(settings)) {
    Hl7v2Feed feed(host, testing::test_settings(settings));
    sdk::FeedMessage message;
    message.data_base64 = sdk::base64_encode(standard_message("adt_a04"));
    if (!feed.accept(message).ok()) throw std::runtime_error("the A04 example was not accepted");
  }
  sdk::testing::FakeHost host;
  Hl7v2EhrConnector ehr{host, testing::test_settings(host.settings())};
};

sdk::EncounterRequest encounter(std::string key) {
  sdk::EncounterRequest request;
  request.idempotency_key = std::move(key);
  request.appointment_id = "10345";
  request.patient_id = "191919";
  request.practitioner_id = "0148";
  request.start_ms = 1042615800000;  // 2003-01-15T10:30:00+03:00
  request.end_ms = 1042617600000;
  return request;
}

TEST(MdmTest, EncounterIsSentAsMdmT02AndAcknowledged) {
  MllpTestServer server({Reply::kAccept});
  Instance instance(outbound_to(server.port()));
  auto created = instance.ehr.create_encounter(encounter("run-1/encounter"));
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, mdm_document_number("run-1/encounter"));
  EXPECT_TRUE(created->created);

  ASSERT_EQ(server.received().size(), 1u);
  const Er7Message m = parsed(server.received()[0]);
  EXPECT_EQ(m.value("MSH", 3), "WASL");
  EXPECT_EQ(m.value("MSH", 9, 1), "MDM");
  EXPECT_EQ(m.value("MSH", 9, 2), "T02");
  EXPECT_EQ(m.value("MSH", 10), mdm_control_id("run-1/encounter"));
  EXPECT_EQ(m.value("MSH", 18), "UNICODE UTF-8");
  EXPECT_EQ(m.value("EVN", 1), "T02");
  EXPECT_EQ(m.value("PID", 3, 1), "191919");
  EXPECT_EQ(m.value("PID", 3, 5), "MR");
  EXPECT_EQ(m.value("PID", 5, 1), "MASSIE");
  EXPECT_EQ(m.value("PV1", 7), "0148");
  EXPECT_EQ(m.value("TXA", 12, 1), created->id);
  EXPECT_EQ(m.value("TXA", 4), "20030115103000+0300");
  EXPECT_EQ(m.value("OBX", 2), "TX");
  EXPECT_EQ(m.value("OBX", 3, 1), "VIRTUAL-ENCOUNTER");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0), "Virtual encounter (class VR), status finished");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 1), "Start: 2003-01-15T10:30:00+03:00");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 4), "Participants: patient 191919, practitioner 0148");

  // Acknowledged once: a repeat answers the same document without sending.
  auto again = instance.ehr.create_encounter(encounter("run-1/encounter"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, created->id);
  EXPECT_FALSE(again->created);
}

// Who attended and when: one DR observation per period, numbered by
// participant, the clinician's practitioner in OBX-16, an open period
// without its end; the same request gives the same bytes.
TEST(MdmTest, EncounterCarriesEachParticipantsPeriods) {
  auto request = encounter("run-2/encounter");
  request.participants = {
      {"patient", "", {{1042615860000, 1042616400000}, {1042616700000, 1042617600000}}},
      {"clinician", "0148", {{1042615800000, 1042617600000}}},
      {"guest", "", {}},
      {"interpreter", "", {{1042615900000, 0}}},
  };
  const Hl7v2Settings settings = testing::test_settings(outbound_to(1));
  const MdmMessage sent = encounter_mdm(request, std::nullopt, settings, 1042618000000);
  const Er7Message m = parsed(sent.text);
  ASSERT_EQ(m.occurrences("OBX"), 5u);
  EXPECT_EQ(m.value("OBX", 3, 1, 1, 0, 0), "VIRTUAL-ENCOUNTER");
  EXPECT_EQ(m.value("OBX", 1, 1, 1, 0, 1), "2");
  EXPECT_EQ(m.value("OBX", 2, 1, 1, 0, 1), "DR");
  EXPECT_EQ(m.value("OBX", 3, 1, 1, 0, 1), "ATTEND-PATIENT");
  EXPECT_EQ(m.value("OBX", 4, 1, 1, 0, 1), "1");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0, 1), "20030115103100+0300");
  EXPECT_EQ(m.value("OBX", 5, 2, 1, 0, 1), "20030115104000+0300");
  EXPECT_EQ(m.value("OBX", 4, 1, 1, 0, 2), "1");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0, 2), "20030115104500+0300");
  EXPECT_EQ(m.value("OBX", 3, 1, 1, 0, 3), "ATTEND-CLINICIAN");
  EXPECT_EQ(m.value("OBX", 4, 1, 1, 0, 3), "2");
  EXPECT_EQ(m.value("OBX", 16, 1, 1, 0, 3), "0148");
  EXPECT_EQ(m.value("OBX", 11, 1, 1, 0, 3), "F");
  // The guest had no period: the interpreter is participant 3.
  EXPECT_EQ(m.value("OBX", 3, 1, 1, 0, 4), "ATTEND-INTERPRETER");
  EXPECT_EQ(m.value("OBX", 4, 1, 1, 0, 4), "3");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0, 4), "20030115103140+0300");
  EXPECT_EQ(m.value("OBX", 5, 2, 1, 0, 4), "");
  EXPECT_EQ(m.value("OBX", 16, 1, 1, 0, 4), "");
  EXPECT_EQ(encounter_mdm(request, std::nullopt, settings, 1042618000000).text, sent.text);
}

TEST(MdmTest, DocumentCarriesTheLinkItsHashAndSize) {
  MllpTestServer server({Reply::kAccept});
  Instance instance(outbound_to(server.port()));
  sdk::DocumentRequest request;
  request.idempotency_key = "run-1/recording";
  request.patient_id = "191919";
  request.encounter_id = "E-7";
  request.type_code = "11488-4";
  request.title = "Consultation recording";
  request.content_type = "video/mp4";
  request.url = "https://archive.example.org/r/1?a=1&b=2";
  request.size_bytes = 1048576;
  request.sha256_hex = std::string(64, 'a');
  auto created = instance.ehr.attach_document(request);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, mdm_document_number("run-1/recording"));

  const Er7Message m = parsed(server.received().at(0));
  EXPECT_EQ(m.value("PV1", 19), "E-7");
  EXPECT_EQ(m.value("TXA", 2, 1), "11488-4");
  EXPECT_EQ(m.occurrences("OBX"), 3u);
  EXPECT_EQ(m.value("OBX", 2, 1, 1, 0, 0), "RP");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0, 0), request.url);
  EXPECT_EQ(m.value("OBX", 5, 3, 1, 0, 0), "AP");
  EXPECT_EQ(m.value("OBX", 5, 4, 1, 0, 0), "MP4");
  EXPECT_EQ(m.value("OBX", 2, 1, 1, 0, 1), "ST");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0, 1), request.sha256_hex);
  EXPECT_EQ(m.value("OBX", 2, 1, 1, 0, 2), "NM");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0, 2), "1048576");
  EXPECT_EQ(m.value("OBX", 6, 1, 1, 0, 2), "By");
}

TEST(MdmTest, InlineNoteIsText) {
  MllpTestServer server({Reply::kAccept});
  Instance instance(outbound_to(server.port()));
  sdk::DocumentRequest request;
  request.idempotency_key = "run-2/note";
  request.patient_id = "191919";
  request.content_type = "text/plain";
  request.data_base64 = sdk::base64_encode("Seen by video.\nBP 130/85 | stable");
  ASSERT_TRUE(instance.ehr.attach_document(request).ok());
  const Er7Message m = parsed(server.received().at(0));
  EXPECT_EQ(m.value("OBX", 2), "TX");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0), "Seen by video.");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 1), "BP 130/85 | stable");
}

// SDK 1.10: a signed note is an MDM^T02 of its text; a resend after the
// acknowledgement sends nothing; prescriptions are said plainly to be not
// supported. (Vital signs go as ORU^R01: oru_test.cpp.)
TEST(MdmTest, ASignedNoteIsAnMdmOfItsTextAndPrescriptionsAreNotSupported) {
  MllpTestServer server({Reply::kAccept});
  Instance instance(outbound_to(server.port()));
  sdk::NoteWrite note;
  note.idempotency_key = "wasl/note/n-1/v1";
  note.patient_id = "191919";
  note.encounter_id = "E-7";
  note.title = "Consultation note";
  note.language = "en";
  note.text = "Assessment:\nTension headache";
  auto sent = instance.ehr.write_note(note);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sent->id, mdm_document_number(note.idempotency_key));
  const Er7Message m = parsed(server.received().at(0));
  EXPECT_EQ(m.value("MSH", 9, 1), "MDM");
  EXPECT_EQ(m.value("MSH", 9, 2), "T02");
  EXPECT_EQ(m.value("TXA", 2, 1), "11488-4");
  EXPECT_EQ(m.value("OBX", 2), "TX");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 0), "Assessment:");
  EXPECT_EQ(m.value("OBX", 5, 1, 1, 1), "Tension headache");
  auto again = instance.ehr.write_note(note);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->created);
  EXPECT_EQ(server.received().size(), 1u);

  sdk::MedicationRequestWrite rx;
  rx.idempotency_key = "wasl/prescription/rx-1/v1";
  rx.patient_id = "191919";
  auto refused = instance.ehr.write_medication_request(rx);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnimplemented);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("not supported by this EHR"), std::string::npos);
  EXPECT_EQ(server.received().size(), 1u);
}

TEST(MdmTest, ErrorAcknowledgementIsPermanentAndTheRetryIsTheSameMessage) {
  MllpTestServer server({Reply::kError, Reply::kReject, Reply::kAccept});
  Instance instance(outbound_to(server.port()));
  auto refused = instance.ehr.create_encounter(encounter("run-3/encounter"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("(AE): document store is read-only"), std::string::npos)
      << refused.error().message;

  // Even a clock that moved on sends the same bytes.
  instance.host.set_now(std::chrono::system_clock::now() + std::chrono::hours(1));
  auto rejected = instance.ehr.create_encounter(encounter("run-3/encounter"));
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(rejected.error().retryable);

  ASSERT_TRUE(instance.ehr.create_encounter(encounter("run-3/encounter")).ok());
  const auto received = server.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0], received[1]);
  EXPECT_EQ(received[1], received[2]);
}

TEST(MdmTest, NoAnswerIsRetryable) {
  MllpTestServer server({Reply::kClose, Reply::kSilent});
  Instance instance(outbound_to(server.port(), {{"timeout_ms", 300}}));
  auto closed = instance.ehr.create_encounter(encounter("run-4/encounter"));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_TRUE(closed.error().retryable);

  const auto start = Clock::now();
  auto silent = instance.ehr.create_encounter(encounter("run-4/encounter"));
  ASSERT_FALSE(silent.ok());
  EXPECT_EQ(silent.error().code, sdk::ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(silent.error().retryable);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));
}

TEST(MdmTest, RefusedConnectionIsRetryable) {
  int port = 0;
  {
    // A port that was just free: nothing listens on it any more.
    MllpTestServer server({});
    port = server.port();
  }
  Instance instance(outbound_to(port));
  auto refused = instance.ehr.create_encounter(encounter("run-5/encounter"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_TRUE(refused.error().retryable);
}

TEST(MdmTest, WritingBackIsOffWithoutAnOutboundHost) {
  Instance instance(json::object());
  auto off = instance.ehr.create_encounter(encounter("run-6/encounter"));
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(off.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(off.error().message.find("outbound.host"), std::string::npos);
  sdk::DocumentRequest document;
  document.idempotency_key = "k";
  document.patient_id = "191919";
  document.url = "https://x.example/1";
  EXPECT_EQ(instance.ehr.attach_document(document).error().code,
            sdk::ErrorCode::kFailedPrecondition);
}

TEST(MdmTest, ArabicNameIsWrittenInTheOutboundCharacterSet) {
  MllpTestServer server({Reply::kAccept});
  Instance instance(outbound_to(server.port(), {{"charset", "8859/6"}}));
  // The patient's name in Arabic, delivered in UTF-8.
  Hl7v2Feed feed(instance.host, testing::test_settings(instance.host.settings()));
  sdk::FeedMessage message;
  message.data_base64 = sdk::base64_encode(
      "MSH|^~\\&|HIS|KFSH|WASL||20240501101500||ADT^A08^ADT_A01|AR-2|P|2.5.1\r"
      "PID|||191919^^^GENHOS^MR||\xD8\xB9\xD9\x84\xD9\x8A^\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF\r");
  ASSERT_TRUE(feed.accept(message).ok());
  ASSERT_TRUE(instance.ehr.create_encounter(encounter("run-7/encounter")).ok());
  const std::string sent = server.received().at(0);
  EXPECT_NE(sent.find("|\xD9\xE4\xEA^\xE5\xCD\xE5\xCF|"), std::string::npos);
  EXPECT_NE(sent.find("|8859/6\r"), std::string::npos);
}

}  // namespace
}  // namespace wasl::plugins::hl7v2
