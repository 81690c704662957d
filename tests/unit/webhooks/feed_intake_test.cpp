#include "hub/webhooks/feed_intake.hpp"

#include <mutex>

#include "tests/unit/webhooks/webhook_fixture.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::webhooks::testing {
namespace {

using records::testing::kFacilityA;

// A MessageFeed double: the message's bytes are "<id>|<type>|<resource>" and
// the answer is one event (dedupe key "his|<id>") and the acknowledgement
// "ACK <id>"; the type "unreadable" is kInvalidArgument, "broken" kInternal,
// "refused" an unaccepted answer with the event kept. Records what it saw.
class FeedDouble final : public sdk::MessageFeed {
 public:
  sdk::Result<sdk::FeedAnswer> accept(const sdk::FeedMessage& message) override {
    auto bytes = sdk::base64_decode(message.data_base64);
    if (!bytes) return sdk::Error(sdk::ErrorCode::kInternal, "not base64");
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(message);
    }
    const std::string text = *bytes;
    const auto first = text.find('|');
    const auto second = text.find('|', first + 1);
    const std::string id = text.substr(0, first);
    const std::string type = text.substr(first + 1, second - first - 1);
    if (type == "unreadable") return sdk::Error(sdk::ErrorCode::kInvalidArgument, "no header");
    if (type == "broken") return sdk::Error(sdk::ErrorCode::kInternal, "state unavailable");
    sdk::FeedAnswer answer;
    answer.sender = "his";
    answer.message_id = id;
    answer.ack_base64 = sdk::base64_encode((message.truncated ? "REFUSE " : "ACK ") + id);
    if (message.truncated) {
      answer.accepted = false;
      return answer;
    }
    sdk::Event event;
    event.type = type == "refused" ? "hl7v2.unsupported" : "appointment.updated";
    event.resource_id = text.substr(second + 1);
    event.dedupe_key = "his|" + id;
    answer.events.push_back(event);
    answer.accepted = type != "refused";
    return answer;
  }
  std::vector<sdk::FeedMessage> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<sdk::FeedMessage> seen_;
};

class FeedIntakeTest : public WebhookFixture {
 protected:
  void SetUp() override {
    WebhookFixture::SetUp();
    if (HasFatalFailure()) return;
    start_server();
    if (HasFatalFailure()) return;
    feed_ = std::make_shared<FeedDouble>();
    intake_ = std::make_unique<FeedIntake>(context_,
                                           WebhookSource{"ehr.his", nullptr, {kFacilityA}, feed_});
  }

  mllp::MllpReply handle(const std::string& data, bool truncated = false) {
    return intake_->handle(mllp::MllpMessage{data, "127.0.0.9", truncated, 1767225600000});
  }

  std::shared_ptr<FeedDouble> feed_;
  std::unique_ptr<FeedIntake> intake_;
};

TEST_P(FeedIntakeTest, StoresTheEventsBeforeHandingBackTheAcknowledgement) {
  mllp::MllpReply reply = handle("MSG-1|booked|Appointment/42");
  EXPECT_EQ(reply.data, "ACK MSG-1");
  EXPECT_FALSE(reply.close);
  // The row is committed by the time the acknowledgement is handed back.
  EXPECT_EQ(inbox_rows("instance = 'ehr.his' AND dedupe_key = 'his|MSG-1' AND "
                       "facility_id = 'fac-a' AND event_type = 'appointment.updated' AND "
                       "correlation = 'Appointment/42'"),
            1);
  ASSERT_EQ(feed_->seen().size(), 1u);
  EXPECT_EQ(feed_->seen()[0].peer_address, "127.0.0.9");
  EXPECT_EQ(sdk::base64_decode(feed_->seen()[0].data_base64).value_or(""),
            "MSG-1|booked|Appointment/42");
}

TEST_P(FeedIntakeTest, ADuplicateGetsTheSameAcknowledgementAndNoSecondRow) {
  EXPECT_EQ(handle("MSG-2|booked|Appointment/7").data, "ACK MSG-2");
  mllp::MllpReply again = handle("MSG-2|booked|Appointment/7");
  EXPECT_EQ(again.data, "ACK MSG-2");
  EXPECT_FALSE(again.close);
  EXPECT_EQ(inbox_rows("instance = 'ehr.his'"), 1);
}

TEST_P(FeedIntakeTest, ARefusedMessageIsAcknowledgedAsRefusedAndKeptForReplay) {
  mllp::MllpReply reply = handle("MSG-3|refused|");
  EXPECT_EQ(reply.data, "ACK MSG-3");
  EXPECT_EQ(inbox_rows("instance = 'ehr.his' AND event_type = 'hl7v2.unsupported'"), 1);
}

TEST_P(FeedIntakeTest, ATruncatedMessageIsRefusedClosedAndNotStored) {
  mllp::MllpReply reply = handle("MSG-4|booked|Appointment/9", /*truncated=*/true);
  EXPECT_EQ(reply.data, "REFUSE MSG-4");
  EXPECT_TRUE(reply.close);
  EXPECT_EQ(inbox_rows("instance = 'ehr.his'"), 0);
}

TEST_P(FeedIntakeTest, WhatThePluginCannotAnswerGetsNoAcknowledgementAndNothingIsStored) {
  for (const char* data : {"MSG-5|unreadable|", "MSG-6|broken|"}) {
    mllp::MllpReply reply = handle(data);
    EXPECT_TRUE(reply.data.empty()) << data;
    EXPECT_TRUE(reply.close) << data;
  }
  EXPECT_EQ(inbox_rows("instance = 'ehr.his'"), 0);
}

TEST_P(FeedIntakeTest, AMessageThatCannotBeStoredIsLeftUnacknowledgedForTheSenderToResend) {
  writer_->stop();  // the inbox refuses every write from here on
  mllp::MllpReply reply = handle("MSG-7|booked|Appointment/11");
  EXPECT_TRUE(reply.data.empty());
  EXPECT_TRUE(reply.close);
  EXPECT_EQ(inbox_rows("instance = 'ehr.his'"), 0);
}

WASL_RECORDS_INSTANTIATE(FeedIntakeTest);

}  // namespace
}  // namespace wasl::webhooks::testing
