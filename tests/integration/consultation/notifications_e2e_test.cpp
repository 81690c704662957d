// The patients' messages end to end: the real `wasl serve` running
// workflows/consultation.yaml (the harness of consultation_hub.hpp, on
// Chime) with the SMTP plugin against the SMTP peer (STARTTLS and AUTH
// required, every e-mail checked and decoded) and the SMS plugin against the
// SMS gateway peer (one message per clientReference, signed delivery
// receipts). Each hub message is found at its peer by the idempotency key
// its plugin derives from (the e-mail's Message-ID, the SMS's
// clientReference), so "once" is counted at the peers:
//   - OnceEachAcrossAKillAndTwoHubs: reminders 30 s and 20 s ahead of a
//     start 40 s away. The gateway holds the first SMS (the invitation's)
//     without answering; the hub is killed (-9) while it waits, its row left
//     "sending". The restarted hub (on PostgreSQL, two hubs on the one
//     database) sends it again with the same key once the lease lapses, and
//     the gateway answers the one message it took. The invitation and both
//     reminders reach each peer exactly once, and no other message does.
//   - QuietHoursOptOutAndAFailingGateway: one hub, three facilities.
//     hospital-a (Asia/Riyadh) is in quiet hours until the next whole minute
//     at least 25 s away: its invitation and both reminders (due inside
//     them) wait for exactly that instant and go after it, while "the
//     clinician is ready" goes at admission, inside the quiet hours.
//     hospital-c's invitation SMS then meets a gateway answering 500, then
//     429 with Retry-After, then too slowly, then closing the connection
//     after taking it: the hub retries, and the fifth attempt is answered
//     with the one message taken, which the gateway's receipt marks
//     delivered. hospital-b's patient opted out (PUT
//     /v1/notification-opt-outs, by her national id) before booking: every
//     message, reminders included, is skipped "opt_out" and none reaches a
//     peer.
// Both: no rendered text (e-mail subject and body, SMS body) carries the
// patient's national id, iqama, MRN (in ASCII or Arabic-Indic digits),
// phone, e-mail address, the FHIR ids, the consultations' ids or the
// diagnosis codes (the booking's and the facility's billing one). On SQLite, and on PostgreSQL in
// the binary built with WASL_CONSULTATION_POSTGRES.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/consultation/chime_side.hpp"
#include "tests/integration/consultation/consultation_hub.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// What the demo patient is known by (tests/peers/fhir/src/fixtures.js) and
// what the bookings below add; none may appear in a message.
constexpr const char* kNationalId = "1098765432";
const std::vector<std::string> kForbidden = {
    "1098765432",         // national id
    "2123456789",         // iqama
    "MRN-000417",         // MRN
    "500000417",          // the phone, in any form
    "fatima.alzahrani",   // the e-mail address
    "fatimah-alzahrani",  // Patient id
    "khalid-alharbi",     // Practitioner id
    "fatimah-coverage",   // Coverage id
    "appt-",              // the Appointments' ids
    "J06.9",              // the consultation's diagnosis codes,
    "E11.9",              // both
    "Z71.9",              // the facility's billing diagnosis
};

// `text` with its ASCII digits as Arabic-Indic ones (U+0660-U+0669), as an
// Arabic text writes them (notifications.arabic_digits).
std::string arabic_indic(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      out += "\xD9";
      out += static_cast<char>(0xA0 + (ch - '0'));
    } else {
      out += ch;
    }
  }
  return out;
}

// The patient summary each booking carries: identifiers and diagnoses the
// texts must not repeat.
json patient_summary() {
  return {{"name", "فاطمة الزهراني"},
          {"identifiers", json::array({{{"kind", "national_id"}, {"value", "1098765432"}},
                                       {{"kind", "iqama"}, {"value", "2123456789"}},
                                       {{"kind", "mrn"}, {"value", "MRN-000417"}}})},
          {"diagnosis_codes", json::array({"J06.9", "E11.9"})}};
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t ms_of(const json& time) {
  if (!time.is_string()) return -1;
  auto ms = sdk::parse_iso8601(time.get<std::string>());
  return ms ? *ms : -1;
}

// GET /v1/consultations/{id}/notifications, polled until `done` holds; the
// last items seen.
json notifications_when(const HubApiClient& api, const std::string& id,
                        const std::function<bool(const json&)>& done,
                        std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  json items = json::array();
  while (std::chrono::steady_clock::now() < until) {
    ApiAnswer read = api.get("/v1/consultations/" + id + "/notifications");
    if (read.status == 200 && read.json.is_object()) {
      items = read.json["items"];
      if (done(items)) return items;
    }
    std::this_thread::sleep_for(100ms);
  }
  return items;
}

// The one row of `kind` by `channel`; {} when there is none or several.
json row_of(const json& items, const std::string& kind, const std::string& channel) {
  json found = json::object();
  int n = 0;
  for (const auto& r : items) {
    if (r.value("kind", "") == kind && r.value("channel", "") == channel) {
      found = r;
      ++n;
    }
  }
  return n == 1 ? found : json::object();
}

bool went_out(const json& row) {
  const std::string state = row.value("state", "");
  return state == "sent" || state == "delivered";
}

// Every one of `kinds` by both channels went out.
std::function<bool(const json&)> all_went_out(std::vector<std::string> kinds) {
  return [kinds = std::move(kinds)](const json& items) {
    for (const std::string& kind : kinds) {
      for (const char* channel : {"email", "sms"}) {
        if (!went_out(row_of(items, kind, channel))) return false;
      }
    }
    return true;
  };
}

// The messages at the peers of the hub message `row`: e-mails by
// Message-ID, SMS by clientReference.
int at_peer(const json& row, const json& emails, const json& texts) {
  const std::string id = row.value("id", "");
  int n = 0;
  if (row.value("channel", "") == "email") {
    for (const auto& m : emails)
      n += m.value("messageId", "") == ConsultationHub::smtp_message_id(id);
  } else {
    for (const auto& m : texts) {
      n += m.value("clientReference", "") == ConsultationHub::sms_client_reference(id);
    }
  }
  return n;
}

// Each row that went out is exactly one message at its peer, and the peers
// hold no message but those: nothing sent twice under two keys, nothing
// sent for a row that says it was not. The gateway counts each request of
// a message: one, but for the messages of `resent_ids` (a send whose
// answer was lost goes again with its key; the test checks those itself).
void expect_each_once_at_the_peers(const ConsultationHub& hub, const std::vector<json>& rows,
                                   const std::set<std::string>& resent_ids = {}) {
  const json emails = hub.smtp_messages();
  const json texts = hub.sms_messages();
  std::size_t sent_emails = 0;
  std::size_t sent_texts = 0;
  for (const json& row : rows) {
    if (!went_out(row)) {
      EXPECT_EQ(at_peer(row, emails, texts), 0) << row.dump();
      continue;
    }
    EXPECT_EQ(at_peer(row, emails, texts), 1) << row.dump();
    (row.value("channel", "") == "email" ? sent_emails : sent_texts) += 1;
    if (row.value("channel", "") != "sms" || resent_ids.count(row.value("id", "")) > 0) continue;
    for (const auto& m : texts) {
      if (m.value("clientReference", "") ==
          ConsultationHub::sms_client_reference(row.value("id", ""))) {
        EXPECT_EQ(m.value("requests", 0), 1) << row.dump() << m.dump();
      }
    }
  }
  EXPECT_EQ(emails.size(), sent_emails) << emails.dump();
  EXPECT_EQ(texts.size(), sent_texts) << texts.dump();
}

// No text the peers received names the patient, her consultations
// (`consultation_ids`) or a diagnosis, in ASCII or Arabic-Indic digits; and
// each text is there to read (a grep of nothing proves nothing).
void expect_no_identifier_in_any_text(const ConsultationHub& hub,
                                      const std::vector<std::string>& consultation_ids) {
  std::vector<std::string> forbidden = kForbidden;
  forbidden.insert(forbidden.end(), consultation_ids.begin(), consultation_ids.end());
  for (const std::string& f : kForbidden) {
    if (arabic_indic(f) != f) forbidden.push_back(arabic_indic(f));
  }
  std::vector<std::string> texts;
  for (const auto& m : hub.smtp_messages()) {
    texts.push_back(m.value("subject", ""));
    texts.push_back(m.value("text", ""));
  }
  for (const auto& m : hub.sms_messages()) texts.push_back(m.value("body", ""));
  ASSERT_FALSE(texts.empty());
  for (const std::string& text : texts) {
    EXPECT_FALSE(text.empty());
    for (const std::string& f : forbidden) {
      EXPECT_EQ(text.find(f), std::string::npos) << f << " in: " << text;
    }
  }
}

std::vector<json> rows_of(const json& items) { return {items.begin(), items.end()}; }

// Asia/Riyadh keeps +03:00 all year: its wall clock is UTC plus three hours.
std::string riyadh_hhmm(std::int64_t epoch_ms) {
  const std::int64_t minutes = (epoch_ms / 60000 + 3 * 60) % (24 * 60);
  char text[6];
  std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(minutes / 60),
                static_cast<int>(minutes % 60));
  return text;
}

class NotificationsE2eTest : public ::testing::TestWithParam<bool /*postgres*/> {
 protected:
  bool postgres() const { return GetParam(); }
  ConsultationHubOptions options(NotifyOptions notify) const {
    ConsultationHubOptions o;
    if (postgres()) o.postgres_url = postgres_test_url();
    o.notify = std::move(notify);
    return o;
  }
};

TEST_P(NotificationsE2eTest, OnceEachAcrossAKillAndTwoHubs) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  NotifyOptions notify;
  notify.facility.reminder_24h_before = "30s";
  notify.facility.reminder_1h_before = "20s";
  // A send may take 10 s; a message whose hub died is sent again 15 s
  // after it was taken.
  notify.send_timeout_ms = 10000;
  notify.lease = "15s";
  ConsultationHub hub(chime_binding(*peer), options(notify));
  ASSERT_TRUE(hub.smtp_peer() && hub.sms_peer());
  ASSERT_TRUE(hub.start());
  // The first SMS is taken at once and answered 30 s later.
  ASSERT_TRUE(hub.sms_peer()
                  ->post("/_peer/faults", {{"operation", "SendMessage"}, {"delayMs", 30000}})
                  .ok());
  HubApiClient api = hub.client("hospital");
  const std::string id = hub.book(api, "appt-once", 40s, patient_summary());
  ASSERT_FALSE(id.empty());

  // The gateway took the invitation's SMS; the hub is waiting for the answer.
  auto until = std::chrono::steady_clock::now() + 30s;
  while (hub.sms_messages().empty() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(hub.sms_messages().size(), 1u) << hub.log();
  hub.kill();
  ASSERT_TRUE(hub.start());
  if (postgres()) ASSERT_TRUE(hub.start_second());
  api = hub.client("hospital");

  // The killed send is left as it was: sending, its first attempt.
  json items = notifications_when(
      api, id, [](const json& i) { return !row_of(i, "invitation", "sms").empty(); }, 10s);
  json killed = row_of(items, "invitation", "sms");
  ASSERT_FALSE(killed.empty()) << items.dump();
  EXPECT_EQ(killed.value("state", ""), "sending") << items.dump();
  EXPECT_EQ(killed.value("attempts", 0), 1) << items.dump();

  // The lease lapses, the message goes again with its key; the reminders
  // fall due and go, whichever hub takes them.
  items =
      notifications_when(api, id, all_went_out({"invitation", "reminder_24h", "reminder_1h"}), 45s);
  ASSERT_TRUE(all_went_out({"invitation", "reminder_24h", "reminder_1h"})(items))
      << items.dump(1) << hub.log();
  EXPECT_EQ(items.size(), 6u) << items.dump(1);
  EXPECT_EQ(row_of(items, "invitation", "sms").value("attempts", 0), 2) << items.dump(1);
  for (const char* kind : {"reminder_24h", "reminder_1h"}) {
    // Sent on time, not early.
    for (const char* channel : {"email", "sms"}) {
      const json row = row_of(items, kind, channel);
      EXPECT_GE(ms_of(row.value("sent_at", json())), ms_of(row.value("due_at", json())))
          << row.dump();
    }
  }
  expect_each_once_at_the_peers(hub, rows_of(items), {killed.value("id", "")});
  // The gateway answered the resend with the message it had taken.
  const json texts = hub.sms_messages();
  for (const auto& m : texts) {
    if (m.value("clientReference", "") ==
        ConsultationHub::sms_client_reference(killed.value("id", ""))) {
      EXPECT_EQ(m.value("requests", 0), 2) << m.dump();
    }
  }
  expect_no_identifier_in_any_text(hub, {id});
}

TEST_P(NotificationsE2eTest, QuietHoursOptOutAndAFailingGateway) {
  auto peer = start_peer(600000);
  ASSERT_TRUE(peer);
  // hospital-a's quiet hours end at the first whole minute 25 s from now at
  // the earliest and began half an hour ago. What the test checks inside
  // them needs about 10 s after the hub has started and the consultations
  // are booked; on a machine so loaded that less is left by then, a new hub
  // is started with quiet hours that end a minute later (three hubs at most).
  std::unique_ptr<ConsultationHub> started;
  std::int64_t quiet_end = 0;
  std::string opted_out;
  std::string quiet_id;
  for (int attempt = 1; attempt <= 3 && !started; ++attempt) {
    quiet_end = (now_ms() + 25000 + 59999) / 60000 * 60000;
    NotifyOptions notify;
    FacilityNotifications quiet;
    quiet.time_zone = "Asia/Riyadh";
    quiet.quiet_hours_start = riyadh_hhmm(quiet_end - 30 * 60000);
    quiet.quiet_hours_end = riyadh_hhmm(quiet_end);
    // Its start is a minute after the quiet hours: each reminder is due in
    // them and still current when they end (a reminder more than half its
    // lead late is skipped).
    quiet.reminder_24h_before = "90s";
    quiet.reminder_1h_before = "75s";
    notify.facilities[ConsultationHub::kFacility] = quiet;
    // hospital-b's reminders fall due during the test: they too meet the
    // opt-out. hospital-c sends only its invitation (its reminders' times
    // passed: skipped too_late).
    FacilityNotifications soon;
    soon.reminder_24h_before = "30s";
    soon.reminder_1h_before = "25s";
    notify.facilities["hospital-b"] = soon;
    ConsultationHubOptions o = options(notify);
    o.more_facilities = {"hospital-b", "hospital-c"};
    auto candidate = std::make_unique<ConsultationHub>(chime_binding(*peer), o);
    ASSERT_TRUE(candidate->smtp_peer() && candidate->sms_peer());
    ASSERT_TRUE(candidate->start());
    HubApiClient a = candidate->client("hospital");
    HubApiClient b = candidate->client("hospital", "hospital-b");

    // hospital-b: the patient opts out, by her national id, before booking.
    ApiAnswer opted =
        b.put_text(std::string("/v1/notification-opt-outs/") + kNationalId, "", "application/json");
    ASSERT_EQ(opted.status, 201) << opted.body;
    opted_out = candidate->book(b, "appt-opted-out", 40s, patient_summary());
    ASSERT_FALSE(opted_out.empty());

    // hospital-a, in its quiet hours: the invitation waits for their end on
    // Riyadh's clock, to the millisecond.
    const std::int64_t start_in_ms = quiet_end + 60000 - now_ms();
    quiet_id = candidate->book(a, "appt-quiet", std::chrono::seconds(start_in_ms / 1000),
                               patient_summary());
    ASSERT_FALSE(quiet_id.empty());
    ASSERT_EQ(candidate->wait_for_status(a, quiet_id, {"waiting_room"}, 30s), "waiting_room")
        << candidate->timeline(a, quiet_id);
    const std::int64_t left = quiet_end - now_ms();
    if (left >= 15000) {
      started = std::move(candidate);
    } else {
      std::cerr << "hub " << attempt << " was ready " << left
                << " ms before the quiet hours' end; starting another\n";
    }
  }
  ASSERT_TRUE(started) << "three hubs in a row took until less than 15 s before the end of "
                          "their quiet hours to start and book";
  ConsultationHub& hub = *started;
  HubApiClient a = hub.client("hospital");
  HubApiClient b = hub.client("hospital", "hospital-b");
  HubApiClient c = hub.client("hospital", "hospital-c");
  auto held = [quiet_end](const json& i) {
    for (const char* channel : {"email", "sms"}) {
      if (ms_of(row_of(i, "invitation", channel).value("due_at", json())) != quiet_end) {
        return false;
      }
    }
    return true;
  };
  json a_items = notifications_when(a, quiet_id, held, 10s);
  ASSERT_TRUE(held(a_items)) << a_items.dump(1);
  // The clinician is admitted: "the clinician is ready" goes now, inside
  // the quiet hours, while the invitation still waits.
  Session session = admit_participants(hub, quiet_id);
  ASSERT_EQ(session.attendees.size(), 2u);
  a_items = notifications_when(a, quiet_id, all_went_out({"clinician_ready"}), 10s);
  ASSERT_TRUE(all_went_out({"clinician_ready"})(a_items)) << a_items.dump(1) << hub.log();
  ASSERT_LT(now_ms(), quiet_end) << "the quiet hours ended before the test could look";
  for (const char* channel : {"email", "sms"}) {
    const json ready = row_of(a_items, "clinician_ready", channel);
    EXPECT_LT(ms_of(ready.value("sent_at", json())), quiet_end) << ready.dump();
    EXPECT_EQ(row_of(a_items, "invitation", channel).value("state", ""), "scheduled")
        << a_items.dump(1);
  }

  // The quiet hours end: the invitation and both reminders (due inside
  // them) go, none before.
  const std::int64_t start = hub.appointment_start_ms("appt-quiet");
  ASSERT_LT(start - 75000, quiet_end);
  const std::vector<std::string> all = {"invitation", "reminder_24h", "reminder_1h",
                                        "clinician_ready"};
  a_items = notifications_when(a, quiet_id, all_went_out(all),
                               std::chrono::milliseconds(quiet_end - now_ms()) + 20s);
  ASSERT_TRUE(all_went_out(all)(a_items)) << a_items.dump(1) << hub.log();
  for (const char* kind : {"invitation", "reminder_24h", "reminder_1h"}) {
    for (const char* channel : {"email", "sms"}) {
      const json row = row_of(a_items, kind, channel);
      EXPECT_GE(ms_of(row.value("sent_at", json())), quiet_end) << row.dump();
    }
  }

  // hospital-c: the gateway fails four ways, then takes the SMS.
  ASSERT_TRUE(
      hub.sms_peer()
          ->post("/_peer/faults",
                 json::array(
                     {{{"operation", "SendMessage"}, {"status", 500}},
                      {{"operation", "SendMessage"}, {"status", 429}, {"retryAfterSeconds", 1}},
                      {{"operation", "SendMessage"}, {"delayMs", 4000}},
                      {{"operation", "SendMessage"}, {"drop", true}}}))
          .ok());
  const std::string failing = hub.book(c, "appt-failing", 300s, patient_summary());
  ASSERT_FALSE(failing.empty());
  auto recovered = [](const json& i) {
    return row_of(i, "invitation", "sms").value("state", "") == "delivered" &&
           went_out(row_of(i, "invitation", "email"));
  };
  json c_items = notifications_when(c, failing, recovered, 30s);
  ASSERT_TRUE(recovered(c_items)) << c_items.dump(1) << hub.log();
  const json sms = row_of(c_items, "invitation", "sms");
  EXPECT_EQ(sms.value("attempts", 0), 5) << c_items.dump(1);
  auto effects = hub.sms_peer()->get("/_peer/effects");
  ASSERT_TRUE(effects.ok()) << effects.error().message;
  EXPECT_EQ(effects->value("faults", -1), 4) << effects->dump();
  for (const auto& m : hub.sms_messages()) {
    if (m.value("clientReference", "") ==
        ConsultationHub::sms_client_reference(sms.value("id", ""))) {
      // Taken by the slow attempt; the dropped one and the last were
      // answered from the gateway's store.
      EXPECT_EQ(m.value("requests", 0), 3) << m.dump();
    }
  }

  // hospital-b: every message skipped for the opt-out, and the route says so.
  auto all_skipped = [](const json& i) {
    int skipped = 0;
    for (const auto& r : i) skipped += r.value("state", "") == "skipped";
    return skipped == 6;
  };
  json b_items = notifications_when(b, opted_out, all_skipped, 30s);
  ASSERT_EQ(b_items.size(), 6u) << b_items.dump(1);
  for (const auto& r : b_items) {
    EXPECT_EQ(r.value("state", ""), "skipped") << r.dump();
    EXPECT_EQ(r.value("reason", ""), "opt_out") << r.dump();
  }

  // Every row of the three, as they are now, against the peers.
  std::vector<json> rows;
  for (const auto& [api, id] : {std::pair{&a, quiet_id}, {&b, opted_out}, {&c, failing}}) {
    ApiAnswer read = api->get("/v1/consultations/" + id + "/notifications");
    ASSERT_EQ(read.status, 200) << read.body;
    rows.insert(rows.end(), read.json["items"].begin(), read.json["items"].end());
  }
  expect_each_once_at_the_peers(hub, rows, {sms.value("id", "")});
  expect_no_identifier_in_any_text(hub, {quiet_id, opted_out, failing});
}

#ifdef WASL_CONSULTATION_POSTGRES
INSTANTIATE_TEST_SUITE_P(Postgres, NotificationsE2eTest, ::testing::Values(true),
                         [](const auto&) { return std::string("postgres"); });
#else
INSTANTIATE_TEST_SUITE_P(Sqlite, NotificationsE2eTest, ::testing::Values(false),
                         [](const auto&) { return std::string("sqlite"); });
#endif

}  // namespace
}  // namespace wasl::testing
