// Participants and the waiting room through the router, on SQLite and
// PostgreSQL, with a FakeVideoProvider for tokens and removals.
#include "hub/api/participants.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/unit/api/api_fixture.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class ParticipantsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    id_ = create_id("booking");
    open_room(id_);
  }

  std::string path(const std::string& suffix = "") {
    return "/v1/consultations/" + id_ + "/participants" + suffix;
  }

  http::Response add(nlohmann::json body, Role role = Role::kClinician, bool facility_b = false,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    return send({"POST", path(), body.dump(), std::move(headers)}, role, facility_b);
  }

  std::string id_;
};

TEST_P(ParticipantsTest, ClinicianIsAdmittedWithAJoinToken) {
  http::Response r = add({{"role", "doctor"}, {"display_name", "د. أحمد"}});
  ASSERT_EQ(r.status, 201) << r.body;
  nlohmann::json p = body_of(r);
  const std::string pid = p["id"];
  EXPECT_EQ(p["state"], "admitted");
  EXPECT_EQ(p["join"]["token"], "tok-" + pid);
  EXPECT_EQ(p["join"]["room_id"], "RM-1");
  EXPECT_EQ(p["join"]["video_instance"], "video.fake");
  EXPECT_EQ(p["provider_participant_id"], "PA-" + pid);
  EXPECT_EQ(r.headers.find("Location")->second, path("/" + pid));
  EXPECT_EQ(video_->tokens_issued, 1);
  EXPECT_EQ(video_->last_token_request.ttl_seconds, 7200);
  EXPECT_EQ(video_->last_token_request.participant.role, "clinician");
  EXPECT_EQ(video_->last_token_request.participant.display_name, "د. أحمد");
  EXPECT_EQ(audit_count("participant.add"), 1);
  // The token is not stored: reading the participant shows none.
  nlohmann::json read = body_of(send({"GET", path("/" + pid)}, Role::kClinician));
  EXPECT_FALSE(read.contains("join"));
  EXPECT_EQ(read["display_name"], "د. أحمد");
  EXPECT_EQ(audit_count("participant.read"), 1);
}

// A Janus VideoRoom token comes with the join page's link: the hub's public
// URL, /join/, and in the fragment the credential the page reads (base64url
// of JSON). Another provider's token has no link: its own client is used.
TEST_P(ParticipantsTest, AJanusTokenComesWithTheJoinPageLink) {
  config_.server.public_url = "https://hub.hospital.sa/";
  config::FacilityNotificationsConfig notices;
  notices.default_language = "en";
  config_.facilities[kFacilityA].notifications = notices;
  const nlohmann::json ice = {{{"urls", {"turn:turn.hospital.sa:3478"}}, {"username", "u"}}};
  video_->raw = {{"api_url", "https://video.hospital.sa/janus"},
                 {"plugin", "janus.plugin.videoroom"},
                 {"room", 4503599627370495},
                 {"feed_id", 1234567},
                 {"admitted", true},
                 {"ice_servers", ice}};
  http::Response r = add({{"role", "doctor"}, {"display_name", "د. أحمد"}});
  ASSERT_EQ(r.status, 201) << r.body;
  nlohmann::json p = body_of(r);
  const std::string url = p["join"]["url"];
  const std::string prefix = "https://hub.hospital.sa/join/#";
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
  const std::string encoded = url.substr(prefix.size());
  EXPECT_EQ(
      encoded.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << encoded;
  auto decoded = sdk::base64url_decode(encoded);
  ASSERT_TRUE(decoded.has_value());
  nlohmann::json credential = nlohmann::json::parse(*decoded);
  EXPECT_EQ(credential, (nlohmann::json{{"v", 1},
                                        {"api", "https://video.hospital.sa/janus"},
                                        {"room", 4503599627370495},
                                        {"token", "tok-" + p["id"].get<std::string>()},
                                        {"feed", 1234567},
                                        {"name", "د. أحمد"},
                                        {"role", "clinician"},
                                        {"lang", "en"},
                                        {"ice", ice},
                                        {"exp", 1'900'000'000'000}}));

  // Arabic unless the facility says otherwise; the patient's role.
  config_.facilities[kFacilityA].notifications.reset();
  http::Response patient = add({{"role", "patient"}, {"display_name", "سارة"}});
  ASSERT_EQ(patient.status, 201);
  const std::string waiting_id = body_of(patient)["id"];
  http::Response admitted =
      send({"POST", path("/" + waiting_id + "/admit"), "{}"}, Role::kClinician);
  ASSERT_EQ(admitted.status, 200) << admitted.body;
  const std::string link = body_of(admitted)["join"]["url"];
  nlohmann::json second = nlohmann::json::parse(*sdk::base64url_decode(link.substr(prefix.size())));
  EXPECT_EQ(second["lang"], "ar");
  EXPECT_EQ(second["role"], "patient");
  EXPECT_EQ(second["name"], "سارة");

  // Not a Janus token: no link.
  video_->raw.reset();
  http::Response other = add({{"role", "doctor"}, {"display_name", "Dr. B"}});
  ASSERT_EQ(other.status, 201);
  EXPECT_FALSE(body_of(other)["join"].contains("url"));
}

// A clinician role is not a pass: a hospital or admin key declaring a doctor
// gets a waiting participant without a token, naming the consultation's
// practitioner or not. The clinician key of that practitioner adds one who
// is admitted at once. A clinician or an admin admits the others.
TEST_P(ParticipantsTest, SelfDeclaredCliniciansWait) {
  for (Role role : {Role::kHospital, Role::kAdmin}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    http::Response r = add({{"role", "doctor"}, {"display_name", "Dr. Claimed"}}, role);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(body_of(r)["state"], "waiting");
    EXPECT_FALSE(body_of(r).contains("join"));
  }
  // Another practitioner's reference changes nothing.
  http::Response other =
      add({{"role", "nurse"}, {"display_name", "n"}, {"practitioner", "Practitioner/99"}},
          Role::kHospital);
  ASSERT_EQ(other.status, 201) << other.body;
  EXPECT_EQ(body_of(other)["state"], "waiting");
  EXPECT_EQ(video_->tokens_issued, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.add' AND "
                   "detail LIKE '%admitted_because%'"),
            0);

  // The consultation's own practitioner (Practitioner/3 from the booking),
  // named by a hospital key: waits too.
  http::Response named =
      add({{"role", "doctor"}, {"display_name", "د. أحمد"}, {"practitioner", "Practitioner/3"}},
          Role::kHospital);
  ASSERT_EQ(named.status, 201) << named.body;
  EXPECT_EQ(body_of(named)["state"], "waiting");
  EXPECT_EQ(video_->tokens_issued, 0);
  // Her own clinician key (bound to Practitioner/3) adds her: admitted at once.
  http::Response own = add({{"role", "doctor"}, {"display_name", "د. أحمد"}}, Role::kClinician);
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_EQ(body_of(own)["state"], "admitted");
  EXPECT_TRUE(body_of(own).contains("join"));
  EXPECT_EQ(video_->tokens_issued, 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.add' AND "
                   "detail LIKE '%consultation_practitioner%'"),
            1);

  // A reference is for clinicians only; a refused request adds nothing.
  http::Response patient =
      add({{"role", "patient"}, {"display_name", "p"}, {"practitioner", "Practitioner/3"}},
          Role::kHospital);
  EXPECT_EQ(patient.status, 422) << patient.body;
  EXPECT_NE(patient.body.find("not_allowed"), std::string::npos) << patient.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE consultation_id = $1", {id_}), 5);

  // The self-declared doctor is admitted by a clinician, and only then has a token.
  const std::string waiting = body_of(other)["id"];
  EXPECT_EQ(send({"POST", path("/" + waiting + "/admit")}, Role::kHospital).status, 403);
  http::Response admitted = send({"POST", path("/" + waiting + "/admit")}, Role::kClinician);
  ASSERT_EQ(admitted.status, 200) << admitted.body;
  EXPECT_TRUE(body_of(admitted).contains("join"));
  EXPECT_EQ(video_->tokens_issued, 2);
}

// Naming the consultation's practitioner is something any key that can read
// the consultation can do: a hospital or admin key that names it gets a
// waiting participant, and so does a clinician key bound to no practitioner.
TEST_P(ParticipantsTest, NamingThePractitionerIsNotAPass) {
  for (Role role : {Role::kHospital, Role::kAdmin}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    http::Response r =
        add({{"role", "doctor"}, {"display_name", "د. أحمد"}, {"practitioner", "Practitioner/3"}},
            role);
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(body_of(r)["state"], "waiting");
    EXPECT_FALSE(body_of(r).contains("join"));
  }
  const std::string unbound = create_key(kFacilityA, Role::kClinician);
  http::Response r = add({{"role", "doctor"}, {"display_name", "Dr. Unbound"}}, Role::kClinician,
                         false, {{"Authorization", "Bearer " + unbound}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["state"], "waiting");
  EXPECT_EQ(video_->tokens_issued, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.add' AND "
                   "detail LIKE '%admitted_because%'"),
            0);
  // A clinician key bound to another practitioner waits too, until that
  // practitioner has been admitted once: then it is admitted at once.
  const std::string specialist = create_key(kFacilityA, Role::kClinician, "Practitioner/9");
  const std::vector<std::pair<std::string, std::string>> as_specialist = {
      {"Authorization", "Bearer " + specialist}};
  http::Response first = add({{"role", "specialist"}, {"display_name", "Dr. Nine"}},
                             Role::kClinician, false, as_specialist);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(body_of(first)["state"], "waiting");
  const std::string nine = body_of(first)["id"];
  ASSERT_EQ(send({"POST", path("/" + nine + "/admit")}, Role::kClinician).status, 200);
  http::Response again = add({{"role", "specialist"}, {"display_name", "Dr. Nine"}},
                             Role::kClinician, false, as_specialist);
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(body_of(again)["state"], "admitted");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.add' AND "
                   "detail LIKE '%admitted_clinician%'"),
            1);
}

TEST_P(ParticipantsTest, TokenComesFromTheInstanceTheConsultationsRunStartedWith) {
  // The facility was rebound after the consultation's run started on
  // video.fake; its consultation row names no instance.
  config_.facilities[kFacilityA].bindings["video"] = "video.elsewhere";
  exec("UPDATE consultations SET video_instance = NULL WHERE id = $1", {id_});
  exec(
      "INSERT INTO workflow_runs (id, facility_id, consultation_id, workflow_name, "
      "workflow_version, status, bindings, created_at, updated_at) VALUES ('run-pinned', $1, "
      "$2, 'pinned', 1, 'waiting', $3, $4, $4)",
      {std::string(kFacilityA), id_, std::string(R"({"video":"video.fake"})"),
       std::int64_t{4102444800000}});  // newer than the booking's own run
  http::Response r = add({{"role", "doctor"}, {"display_name", "Dr. Pinned"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["join"]["video_instance"], "video.fake");
  EXPECT_EQ(video_->tokens_issued, 1);

  // Without a snapshot the current binding decides (here: an instance not loaded).
  exec("UPDATE workflow_runs SET bindings = NULL WHERE consultation_id = $1", {id_});
  http::Response unbound = add({{"role", "nurse"}, {"display_name", "Nurse Current"}});
  EXPECT_EQ(unbound.status, 503) << unbound.body;
  EXPECT_EQ(video_->tokens_issued, 1);
}

TEST_P(ParticipantsTest, NonCliniciansWaitWithoutATokenUntilAdmitted) {
  http::Response r =
      add({{"role", "patient"}, {"display_name", kArabicName}, {"gender_preference", "female"}});
  ASSERT_EQ(r.status, 201) << r.body;
  nlohmann::json p = body_of(r);
  const std::string pid = p["id"];
  EXPECT_EQ(p["state"], "waiting");
  EXPECT_FALSE(p.contains("join"));
  EXPECT_EQ(p["gender_preference"], "female");
  EXPECT_EQ(video_->tokens_issued, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE id = $1 AND gender_preference = "
                   "'female'",
                   {pid}),
            1);

  // Only clinicians and admins admit.
  EXPECT_EQ(send({"POST", path("/" + pid + "/admit")}, Role::kHospital).status, 403);
  EXPECT_EQ(video_->tokens_issued, 0);
  http::Response admitted = send({"POST", path("/" + pid + "/admit")}, Role::kClinician);
  ASSERT_EQ(admitted.status, 200) << admitted.body;
  nlohmann::json a = body_of(admitted);
  EXPECT_EQ(a["state"], "admitted");
  EXPECT_EQ(a["join"]["token"], "tok-" + pid);
  EXPECT_TRUE(a.contains("admitted_at"));
  EXPECT_EQ(video_->tokens_issued, 1);
  EXPECT_EQ(video_->last_token_request.participant.role, "patient");
  EXPECT_EQ(audit_count("participant.admit"), 1);
  // Admitting again refreshes the token.
  EXPECT_EQ(send({"POST", path("/" + pid + "/admit")}, Role::kClinician).status, 200);
  EXPECT_EQ(video_->tokens_issued, 2);
}

// A provider that holds tokens outside the room (its plugin declares
// video.waiting_room_tokens, as Janus does) gives a waiting participant a
// token at once, asked with status "waiting"; admission asks again without it
// and answers the same token, now admitted. Without the feature (Twilio,
// Chime: the fixture's default and the test above) nothing is issued while
// waiting.
TEST_P(ParticipantsTest, WaitingParticipantsGetAHeldTokenWhereTheProviderCanHoldOne) {
  std::vector<std::pair<std::string, std::string>> asked;
  context_.video_features = [&asked](std::string_view instance, std::string_view feature) {
    asked.emplace_back(instance, feature);
    return instance == "video.fake" && feature == sdk::VideoProvider::kWaitingRoomTokens;
  };
  http::Response r = add({{"role", "patient"}, {"display_name", kArabicName}}, Role::kHospital);
  ASSERT_EQ(r.status, 201) << r.body;
  nlohmann::json p = body_of(r);
  const std::string pid = p["id"];
  EXPECT_EQ(p["state"], "waiting");
  ASSERT_TRUE(p.contains("join")) << r.body;
  EXPECT_EQ(p["join"]["token"], "tok-" + pid);
  EXPECT_EQ(p["join"]["room_id"], "RM-1");
  EXPECT_EQ(p["join"]["video_instance"], "video.fake");
  EXPECT_EQ(p["join"]["provider"]["admitted"], false);
  EXPECT_EQ(p["provider_participant_id"], "PA-" + pid);
  EXPECT_EQ(video_->tokens_issued, 1);
  EXPECT_EQ(video_->last_token_request.participant.status, "waiting");
  EXPECT_EQ(video_->last_token_request.idempotency_key, "participant:" + pid);
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].first, "video.fake");
  EXPECT_EQ(asked[0].second, "video.waiting_room_tokens");
  // The row keeps the provider's participant id (a removal reaches the
  // provider's token) but never the token.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE id = $1 AND state = 'waiting' AND "
                   "provider_participant_id = $2",
                   {pid, "PA-" + pid}),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'participant.add' AND "
                   "detail LIKE '%\"token_issued\":true%'"),
            1);
  EXPECT_FALSE(body_of(send({"GET", path("/" + pid)}, Role::kClinician)).contains("join"));

  http::Response admitted = send({"POST", path("/" + pid + "/admit")}, Role::kClinician);
  ASSERT_EQ(admitted.status, 200) << admitted.body;
  nlohmann::json a = body_of(admitted);
  EXPECT_EQ(a["state"], "admitted");
  EXPECT_EQ(a["join"]["token"], "tok-" + pid);
  EXPECT_EQ(a["join"]["provider"]["admitted"], true);
  EXPECT_EQ(video_->tokens_issued, 2);
  EXPECT_EQ(video_->last_token_request.participant.status, "");
  EXPECT_EQ(video_->last_token_request.idempotency_key, "participant:" + pid);

  // A clinician admitted at once is asked without "waiting", as before.
  http::Response doctor = add({{"role", "doctor"}, {"display_name", "د. أحمد"}});
  ASSERT_EQ(doctor.status, 201) << doctor.body;
  EXPECT_EQ(body_of(doctor)["join"]["provider"]["admitted"], true);
  EXPECT_EQ(video_->last_token_request.participant.status, "");

  // Before the workflow opened the room there is nothing to hold a token
  // for: the participant waits without one and gets it when admitted.
  const std::string later = create_id("booking-later", false, booking("43"));
  http::Response early = send({"POST", "/v1/consultations/" + later + "/participants",
                               nlohmann::json{{"role", "patient"}, {"display_name", "p"}}.dump()},
                              Role::kHospital);
  ASSERT_EQ(early.status, 201) << early.body;
  EXPECT_EQ(body_of(early)["state"], "waiting");
  EXPECT_FALSE(body_of(early).contains("join"));
  EXPECT_EQ(video_->tokens_issued, 3);

  // The provider failing while a waiting participant is added adds no one.
  video_->fail_tokens = sdk::Error(sdk::ErrorCode::kUnavailable, "janus down", true);
  http::Response failed = add({{"role", "patient"}, {"display_name", "q"}}, Role::kHospital);
  EXPECT_EQ(failed.status, 503) << failed.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE consultation_id = $1", {id_}), 2);
}

// Another facility's key finds neither the consultation nor its participant,
// whatever the provider can hold.
TEST_P(ParticipantsTest, HeldTokensAreNotGivenToAnotherFacility) {
  context_.video_features = [](std::string_view, std::string_view) { return true; };
  http::Response other =
      add({{"role", "patient"}, {"display_name", "p"}}, Role::kHospital, /*facility_b=*/true);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(video_->tokens_issued, 0);
}

TEST_P(ParticipantsTest, FamilyMembersNeedConsent) {
  for (const nlohmann::json& consent : {nlohmann::json(), nlohmann::json(false)}) {
    nlohmann::json body = {{"role", "family_member"}, {"display_name", "خالد"}};
    if (!consent.is_null()) body["family_consent"] = consent;
    http::Response r = add(body);
    ASSERT_EQ(r.status, 422) << r.body;
    EXPECT_EQ(body_of(r)["errors"][0]["field"], "family_consent");
    EXPECT_EQ(body_of(r)["errors"][0]["code"], "consent_required");
  }
  http::Response ok =
      add({{"role", "family_member"}, {"display_name", "خالد"}, {"family_consent", true}});
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(body_of(ok)["family_consent"], true);
  EXPECT_EQ(body_of(ok)["state"], "waiting");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants"), 1);
}

TEST_P(ParticipantsTest, BadBodiesAreFieldErrors) {
  auto codes = [&](nlohmann::json body) {
    std::set<std::string> out;
    http::Response r = add(body);
    EXPECT_EQ(r.status, 422) << r.body;
    const nlohmann::json problem = body_of(r);
    for (const auto& e : problem["errors"]) {
      out.insert(e["field"].get<std::string>() + ":" + e["code"].get<std::string>());
    }
    return out;
  };
  EXPECT_TRUE(codes({{"role", "surgeon"}, {"display_name", "x"}}).count("role:unknown_value"));
  EXPECT_TRUE(codes({{"role", "doctor"}}).count("display_name:required"));
  EXPECT_TRUE(codes({{"role", "doctor"}, {"display_name", std::string(201, 'x')}})
                  .count("display_name:too_long"));
  EXPECT_TRUE(codes({{"role", "doctor"}, {"display_name", "x"}, {"gender_preference", "female"}})
                  .count("gender_preference:not_allowed"));
  EXPECT_TRUE(codes({{"role", "doctor"}, {"display_name", "x"}, {"family_consent", "yes"}})
                  .count("family_consent:wrong_type"));
  EXPECT_TRUE(codes({{"role", "doctor"}, {"display_name", "x"}, {"token", "t"}})
                  .count("token:unknown_field"));
  EXPECT_EQ(send({"POST", path(), "not json"}, Role::kHospital).status, 400);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants"), 0);
  EXPECT_EQ(video_->tokens_issued, 0);
}

TEST_P(ParticipantsTest, TheLimitCountsParticipantsNotRemoved) {
  // Family consultations are limited to 3 in the fixture's options.
  nlohmann::json family = booking("77");
  family["type"] = "family";
  const std::string fid = create_id("family", false, family);
  open_room(fid);
  const std::string fpath = "/v1/consultations/" + fid + "/participants";
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    http::Response r =
        send({"POST", fpath, nlohmann::json{{"role", "patient"}, {"display_name", "p"}}.dump()});
    ASSERT_EQ(r.status, 201) << r.body;
    ids.push_back(body_of(r)["id"]);
  }
  http::Response full =
      send({"POST", fpath, nlohmann::json{{"role", "doctor"}, {"display_name", "d"}}.dump()});
  EXPECT_EQ(full.status, 409) << full.body;
  EXPECT_NE(body_of(full)["detail"].get<std::string>().find("3"), std::string::npos);
  EXPECT_EQ(video_->tokens_issued, 0) << "a full consultation asks the provider for nothing";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE consultation_id = $1", {fid}), 3);

  ASSERT_EQ(send({"DELETE", fpath + "/" + ids[0]}, Role::kClinician).status, 200);
  EXPECT_EQ(send({"POST", fpath, nlohmann::json{{"role", "doctor"}, {"display_name", "d"}}.dump()})
                .status,
            201);
  // The default limit (15) applies to other types.
  for (int i = 0; i < 15; ++i) {
    ASSERT_EQ(add({{"role", "observer"}, {"display_name", "o"}}).status, 201) << i;
  }
  EXPECT_EQ(add({{"role", "observer"}, {"display_name", "o"}}).status, 409);
}

TEST_P(ParticipantsTest, RemovingTakesThemOutOfTheRoomToo) {
  const std::string pid = body_of(add({{"role", "nurse"}, {"display_name", "n"}}))["id"];
  http::Response r = send({"DELETE", path("/" + pid)}, Role::kClinician);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["state"], "removed");
  EXPECT_EQ(video_->removals, 1);
  EXPECT_EQ(video_->removed.back(), "PA-" + pid);
  EXPECT_EQ(audit_count("participant.remove"), 1);
  EXPECT_EQ(body_of(send({"GET", path()}, Role::kClinician))["items"].size(), 0u);
  EXPECT_EQ(audit_count("participant.list"), 1);
  // Removing again changes nothing and calls nobody.
  EXPECT_EQ(send({"DELETE", path("/" + pid)}, Role::kClinician).status, 200);
  EXPECT_EQ(video_->removals, 1);
  // A removed participant cannot be admitted.
  EXPECT_EQ(send({"POST", path("/" + pid + "/admit")}, Role::kClinician).status, 409);
  // A waiting participant never joined the provider's room: no provider call.
  const std::string waiting = body_of(add({{"role", "observer"}, {"display_name", "o"}}))["id"];
  EXPECT_EQ(send({"DELETE", path("/" + waiting)}, Role::kClinician).status, 200);
  EXPECT_EQ(video_->removals, 1);
  EXPECT_EQ(send({"DELETE", path("/" + waiting)}, Role::kHospital).status, 403);
}

TEST_P(ParticipantsTest, RoomNotOpenYetOrProviderFailingChangesNothing) {
  const std::string fresh = create_id("fresh", false, booking("55"));
  http::Response r = send({"POST", "/v1/consultations/" + fresh + "/participants",
                           nlohmann::json{{"role", "doctor"}, {"display_name", "d"}}.dump()},
                          Role::kClinician);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.headers.count("Retry-After"), 1u);
  // Waiting-room participants need no room yet.
  EXPECT_EQ(send({"POST", "/v1/consultations/" + fresh + "/participants",
                  nlohmann::json{{"role", "patient"}, {"display_name", "p"}}.dump()})
                .status,
            201);

  video_->fail_tokens = sdk::Error(sdk::ErrorCode::kUnavailable, "provider down", true);
  EXPECT_EQ(add({{"role", "doctor"}, {"display_name", "d"}}).status, 503);
  video_->fail_tokens = sdk::Error(sdk::ErrorCode::kInvalidArgument, "bad room", false);
  EXPECT_EQ(add({{"role", "doctor"}, {"display_name", "d"}}).status, 422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE consultation_id = $1", {id_}), 0);
  EXPECT_EQ(audit_count("participant.add"), 1);
}

// What the provider says of the request decides the class of the answer: a
// refusal of the request is 4xx (a conflict 409, not 503), an outage 503,
// the provider refusing the hub itself 502. Nothing is added either way.
TEST_P(ParticipantsTest, ProviderErrorsAreClassified) {
  using sdk::ErrorCode;
  struct Case {
    sdk::Error error;
    int status;
  };
  const Case cases[] = {
      {sdk::Error(ErrorCode::kInvalidArgument, "identity too long", false), 422},
      {sdk::Error(ErrorCode::kFailedPrecondition, "room is closing", false), 409},
      {sdk::Error(ErrorCode::kAlreadyExists, "attendee exists", false), 409},
      {sdk::Error(ErrorCode::kConflict, "changed meanwhile"), 409},
      {sdk::Error(ErrorCode::kPermissionDenied, "credentials revoked", false), 502},
      {sdk::Error(ErrorCode::kUnavailable, "provider down", true), 503},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(sdk::to_string(c.error.code)));
    video_->fail_tokens = c.error;
    http::Response r = add({{"role", "doctor"}, {"display_name", "d"}}, Role::kClinician);
    EXPECT_EQ(r.status, c.status) << r.body;
    EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json");
    EXPECT_EQ(r.body.find(c.error.message), std::string::npos);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE consultation_id = $1", {id_}), 0);
  EXPECT_EQ(audit_count("participant.add"), 0);
}

// The Idempotency-Key is reserved before the provider is called: a second
// request with the key while the first is at the provider answers 409 (and
// never reaches it), a replay afterwards answers the first 201; one token
// was issued, one participant added.
TEST_P(ParticipantsTest, AKeyIsReservedBeforeTheProviderIsCalled) {
  std::mutex mutex;
  std::condition_variable changed;
  int entered = 0;
  bool go_on = false;
  video_->on_token = [&] {
    std::unique_lock lock(mutex);
    if (++entered > 1) return;  // only the first call is held
    changed.notify_all();
    changed.wait(lock, [&] { return go_on; });
  };
  const nlohmann::json body = {{"role", "doctor"}, {"display_name", "د. أحمد"}};
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "add-1"}};
  http::Response first_answer;
  std::thread first([&] { first_answer = add(body, Role::kClinician, false, key); });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return entered == 1; });
  }
  http::Response second = add(body, Role::kClinician, false, key);
  {
    std::lock_guard lock(mutex);
    go_on = true;
  }
  changed.notify_all();
  first.join();
  EXPECT_EQ(second.status, 409) << second.body;
  EXPECT_EQ(second.headers.count("Retry-After"), 1u);
  ASSERT_EQ(first_answer.status, 201) << first_answer.body;
  http::Response replay = add(body, Role::kClinician, false, key);
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.body, first_answer.body);
  EXPECT_EQ(replay.headers.count("Idempotent-Replayed"), 1u);
  EXPECT_EQ(entered, 1) << "the provider was called for the same key twice";
  EXPECT_EQ(video_->tokens_issued, 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE consultation_id = $1", {id_}), 1);
  EXPECT_EQ(audit_count("participant.add"), 1);
}

// A request that fails after reserving its key frees it: the same key then
// carries the request through.
TEST_P(ParticipantsTest, AFailedRequestFreesItsKey) {
  const nlohmann::json body = {{"role", "doctor"}, {"display_name", "d"}};
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "add-2"}};
  video_->fail_tokens = sdk::Error(sdk::ErrorCode::kUnavailable, "provider down", true);
  EXPECT_EQ(add(body, Role::kClinician, false, key).status, 503);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'add-2'"), 0);
  video_->fail_tokens.reset();
  http::Response r = add(body, Role::kClinician, false, key);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers.count("Idempotent-Replayed"), 0u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE consultation_id = $1", {id_}), 1);
}

TEST_P(ParticipantsTest, AnotherFacilityAnswers404) {
  const std::string pid = body_of(add({{"role", "patient"}, {"display_name", "p"}}))["id"];
  EXPECT_EQ(add({{"role", "doctor"}, {"display_name", "d"}}, Role::kHospital, true).status, 404);
  EXPECT_EQ(send({"GET", path()}, Role::kClinician, true).status, 404);
  EXPECT_EQ(send({"GET", path("/" + pid)}, Role::kClinician, true).status, 404);
  EXPECT_EQ(send({"POST", path("/" + pid + "/admit")}, Role::kClinician, true).status, 404);
  EXPECT_EQ(send({"DELETE", path("/" + pid)}, Role::kClinician, true).status, 404);
  EXPECT_EQ(send({"GET", path("/missing")}, Role::kClinician).status, 404);
  EXPECT_EQ(video_->tokens_issued, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants WHERE state = 'waiting'"), 1);
}

TEST_P(ParticipantsTest, RolesOutsideTheMatrixAre403) {
  EXPECT_EQ(add({{"role", "doctor"}, {"display_name", "d"}}, Role::kIntegrator).status, 403);
  EXPECT_EQ(add({{"role", "doctor"}, {"display_name", "d"}}, Role::kAuditor).status, 403);
  EXPECT_EQ(send({"GET", path()}, Role::kIntegrator).status, 403);
  EXPECT_EQ(video_->tokens_issued, 0);
}

TEST_P(ParticipantsTest, EndedConsultationsTakeNoParticipants) {
  ASSERT_EQ(send({"POST", "/v1/consultations/" + id_ + "/cancel"}).status, 202);
  EXPECT_EQ(add({{"role", "doctor"}, {"display_name", "d"}}).status, 409);
}

TEST_P(ParticipantsTest, IdempotencyKeyReplaysTheFirstAnswer) {
  std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "p-1"}};
  http::Response first =
      add({{"role", "doctor"}, {"display_name", "d"}}, Role::kClinician, false, key);
  ASSERT_EQ(first.status, 201) << first.body;
  http::Response again =
      add({{"role", "doctor"}, {"display_name", "d"}}, Role::kClinician, false, key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(video_->tokens_issued, 1);
  EXPECT_EQ(add({{"role", "nurse"}, {"display_name", "d"}}, Role::kHospital, false, key).status,
            422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, ParticipantsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
