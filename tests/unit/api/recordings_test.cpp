// Recording metadata and the decrypted download with ranges.
#include "hub/api/recordings.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "hub/crypto/stream_cipher.hpp"
#include "hub/domain/recording.hpp"
#include "hub/records/recording_store.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class RecordingsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    consultation_ = create_id("k");
    plaintext_.clear();
    for (int i = 0; i < 100000; ++i) plaintext_ += static_cast<char>('a' + i % 26);
    std::istringstream in(plaintext_);
    const auto path = scratch_.path() / "rec.enc";
    std::ofstream out(path, std::ios::binary);
    ASSERT_TRUE(crypto::encrypt_stream(*keyring_, in, out).ok());
    out.close();

    domain::Recording r;
    r.id = "rec-1";
    r.consultation_id = consultation_;
    r.facility_id = kFacilityA;
    r.provider_recording_id = "CJ-1";
    r.created_at = kNow;
    records::RecordingStore recordings;
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(recordings.insert(**tx, r).ok());
    records::ArchivedFile file;
    file.storage_path = path.string();
    file.size_bytes = static_cast<std::int64_t>(plaintext_.size());
    file.plaintext_sha256 = std::string(64, '0');
    file.key_id = keyring_->active_key_id();
    ASSERT_TRUE(recordings.mark_archived(**tx, kFacilityA, "rec-1", file).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  static std::string body_text(const http::Response& r) {
    std::ostringstream out;
    if (r.stream_body) r.stream_body(out);
    return out.str();
  }

  std::string consultation_;
  std::string plaintext_;
};

TEST_P(RecordingsTest, MetadataIsReadAndAudited) {
  http::Response r = send({"GET", "/v1/recordings/rec-1"}, Role::kClinician);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json j = body_of(r);
  EXPECT_EQ(j["state"], "archived");
  EXPECT_EQ(j["size_bytes"], 100000);
  EXPECT_FALSE(j.contains("storage_path"));
  EXPECT_EQ(audit_count("recording.read"), 1);
  http::Response list =
      send({"GET", "/v1/consultations/" + consultation_ + "/recordings"}, Role::kHospital);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(body_of(list)["items"].size(), 1u);
  EXPECT_EQ(audit_count("recording.list"), 1);
}

TEST_P(RecordingsTest, WrongFacilityAndRoleAndMissing) {
  EXPECT_EQ(send({"GET", "/v1/recordings/rec-1"}, Role::kClinician, true).status, 404);
  EXPECT_EQ(send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician, true).status, 404);
  EXPECT_EQ(
      send({"GET", "/v1/consultations/" + consultation_ + "/recordings"}, Role::kHospital, true)
          .status,
      404);
  EXPECT_EQ(send({"GET", "/v1/recordings/nope"}, Role::kClinician).status, 404);
  EXPECT_EQ(send({"GET", "/v1/recordings/rec-1"}, Role::kIntegrator).status, 403);
  EXPECT_EQ(send({"GET", "/v1/recordings/rec-1/content"}, Role::kAdmin).status, 403);
  EXPECT_EQ(audit_count("recording.read"), 0);
  EXPECT_EQ(audit_count("recording.download"), 0);
}

TEST_P(RecordingsTest, DownloadDecryptsWholeAndRanges) {
  http::Response whole = send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician);
  ASSERT_EQ(whole.status, 200) << whole.body;
  EXPECT_EQ(whole.headers.find("Content-Length")->second, "100000");
  EXPECT_EQ(body_text(whole), plaintext_);
  EXPECT_EQ(audit_count("recording.download"), 1);

  http::Response part =
      send({"GET", "/v1/recordings/rec-1/content", "", {{"Range", "bytes=70000-70009"}}},
           Role::kHospital);
  ASSERT_EQ(part.status, 206);
  EXPECT_EQ(part.headers.find("Content-Range")->second, "bytes 70000-70009/100000");
  EXPECT_EQ(body_text(part), plaintext_.substr(70000, 10));
  http::Response tail =
      send({"GET", "/v1/recordings/rec-1/content", "", {{"Range", "bytes=-5"}}}, Role::kHospital);
  EXPECT_EQ(body_text(tail), plaintext_.substr(99995));
  http::Response bad = send(
      {"GET", "/v1/recordings/rec-1/content", "", {{"Range", "bytes=200000-"}}}, Role::kHospital);
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(bad.headers.find("Content-Range")->second, "bytes */100000");
}

// Files archived by the hub are bound to their row: a file moved to another
// recording's storage_path is refused whole (no header of a 200 goes out),
// audited as a failed download, and served again once put back.
TEST_P(RecordingsTest, AFileMovedToAnotherRecordingIsRefused) {
  auto write_bound = [this](const std::string& id, const std::string& text) -> std::string {
    const auto path = scratch_.path() / (id + ".wse");
    std::ofstream out(path, std::ios::binary);
    auto enc = crypto::StreamEncryptor::create(
        *keyring_,
        [&out](std::string_view b) {
          out.write(b.data(), static_cast<std::streamsize>(b.size()));
          return sdk::ok_status();
        },
        domain::recording_stream_binding(kFacilityA, id));
    EXPECT_TRUE(enc.ok());
    EXPECT_TRUE(enc->write(text).ok());
    EXPECT_TRUE(enc->finish().ok());
    domain::Recording r;
    r.id = id;
    r.consultation_id = consultation_;
    r.facility_id = kFacilityA;
    r.provider_recording_id = "CJ-" + id;
    r.created_at = kNow;
    records::RecordingStore recordings;
    auto tx = store_->begin();
    if (!tx.ok()) {
      ADD_FAILURE() << tx.error().message;
      return {};
    }
    EXPECT_TRUE(recordings.insert(**tx, r).ok());
    records::ArchivedFile file;
    file.storage_path = path.string();
    file.size_bytes = static_cast<std::int64_t>(text.size());
    file.plaintext_sha256 = std::string(64, '0');
    file.key_id = keyring_->active_key_id();
    EXPECT_TRUE(recordings.mark_archived(**tx, kFacilityA, id, file).ok());
    EXPECT_TRUE((*tx)->commit().ok());
    return path.string();
  };
  const std::string mine = write_bound("rec-mine", "the consultation of this recording");
  const std::string theirs = write_bound("rec-theirs", "another patient's consultation....");
  EXPECT_EQ(body_text(send({"GET", "/v1/recordings/rec-mine/content"}, Role::kClinician)),
            "the consultation of this recording");

  auto set_path = [this](const std::string& id, const std::string& path) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        (*tx)->exec("UPDATE recordings SET storage_path = $1 WHERE id = $2", {path, id}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  };
  set_path("rec-mine", theirs);  // same size, same key: only the binding tells
  http::Response moved = send({"GET", "/v1/recordings/rec-mine/content"}, Role::kClinician);
  EXPECT_EQ(moved.status, 500);
  EXPECT_FALSE(moved.stream_body) << "nothing of the other recording is sent";
  EXPECT_NE(moved.body.find("not this recording"), std::string::npos) << moved.body;
  EXPECT_EQ(audit_count("recording.download"), 2);

  set_path("rec-mine", mine);
  EXPECT_EQ(body_text(send({"GET", "/v1/recordings/rec-mine/content"}, Role::kClinician)),
            "the consultation of this recording");
}

// The object store behind the download: it cannot be read before the
// headers → 503 with Retry-After and nothing sent; a row whose store is not
// configured → 500; no store at all → 503.
TEST_P(RecordingsTest, AStoreThatCannotBeReadIsA503BeforeAnyHeader) {
  auto set_path = [this](const std::string& path) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        (*tx)->exec("UPDATE recordings SET storage_path = $1 WHERE id = 'rec-1'", {path}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  };
  // A directory where the object should be: opened, but every read fails.
  std::filesystem::create_directories(scratch_.path() / "unreadable.wse");
  set_path((scratch_.path() / "unreadable.wse").string());
  http::Response busy = send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician);
  EXPECT_EQ(busy.status, 503);
  EXPECT_FALSE(busy.stream_body);
  ASSERT_NE(busy.headers.find("Retry-After"), busy.headers.end());
  EXPECT_GE(std::stoi(busy.headers.find("Retry-After")->second), 1);
  EXPECT_EQ(busy.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(audit_count("recording.download"), 0);

  // The object is gone: the recording cannot be found.
  set_path((scratch_.path() / "gone.wse").string());
  EXPECT_EQ(send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician).status, 404);

  // No configured store holds the locator.
  set_path("s3://removed-bucket/fac-a/rec-1.wse");
  http::Response orphan = send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician);
  EXPECT_EQ(orphan.status, 500);
  EXPECT_FALSE(orphan.stream_body);

  // No object stores at all.
  context_.object_stores = nullptr;
  http::Response none = send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician);
  EXPECT_EQ(none.status, 503);
  EXPECT_NE(none.headers.find("Retry-After"), none.headers.end());
}

// Damage the range reaches only after its first segment: the headers are
// out by then, so the body is aborted (the server drops the connection)
// rather than ended early as if complete.
TEST_P(RecordingsTest, DamageAfterTheHeadersAbortsTheBody) {
  const auto path = scratch_.path() / "rec.enc";
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    // Segment 1 starts after the header and segment 0 (64 KiB + tag).
    // The byte is flipped, not overwritten: a constant would already be
    // there in one file of 256.
    const auto at =
        static_cast<std::streamoff>(crypto::stream_header_size(keyring_->active_key_id().size()) +
                                    crypto::kStreamSegmentSize + crypto::kGcmTagSize + 10);
    f.seekg(at);
    const int original = f.get();
    ASSERT_NE(original, std::char_traits<char>::eof());
    f.seekp(at);
    f.put(static_cast<char>(original ^ 0x5a));
  }
  http::Response r = send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician);
  ASSERT_EQ(r.status, 200) << "segment 0 authenticates, so the answer begins";
  EXPECT_EQ(r.headers.find("Content-Length")->second, "100000");
  ASSERT_TRUE(r.stream_body);
  std::ostringstream out;
  EXPECT_THROW(r.stream_body(out), std::runtime_error);
  EXPECT_EQ(out.str(), plaintext_.substr(0, crypto::kStreamSegmentSize));
  // A range inside the damaged segment is refused whole, before any header.
  http::Response inside =
      send({"GET", "/v1/recordings/rec-1/content", "", {{"Range", "bytes=70000-70009"}}},
           Role::kHospital);
  EXPECT_EQ(inside.status, 500);
  EXPECT_FALSE(inside.stream_body);
  // A range before it is served whole.
  http::Response before = send(
      {"GET", "/v1/recordings/rec-1/content", "", {{"Range", "bytes=10-19"}}}, Role::kHospital);
  ASSERT_EQ(before.status, 206);
  EXPECT_EQ(body_text(before), plaintext_.substr(10, 10));
}

// A client that reads slowly holds back the read (the queue is bounded),
// and one that goes away stops it.
TEST_P(RecordingsTest, AClientThatGoesAwayStopsTheRead) {
  http::Response r = send({"GET", "/v1/recordings/rec-1/content"}, Role::kClinician);
  ASSERT_EQ(r.status, 200);
  std::ostringstream out;
  out.setstate(std::ios::badbit);  // the connection is gone
  EXPECT_NO_THROW(r.stream_body(out));
}

// PUT /v1/recordings/{id}/legal-hold: admins of the recording's facility
// set and release the hold, audited with its reason; the local store keeps
// no hold of its own, so the row is the hold. SQLite and PostgreSQL.
class LegalHoldTest : public RecordingsTest {
 protected:
  http::Response put_hold(const std::string& id, const nlohmann::json& body,
                          std::optional<Role> role = Role::kAdmin, bool facility_b = false) {
    return send({"PUT", "/v1/recordings/" + id + "/legal-hold", body.dump()}, role, facility_b);
  }
  std::int64_t hold_of(const std::string& id) {
    return scalar("SELECT legal_hold FROM recordings WHERE id = $1", {id});
  }
};

TEST_P(LegalHoldTest, AnAdminSetsAndReleasesTheHoldAudited) {
  http::Response set = put_hold("rec-1", {{"hold", true}, {"reason", "court order 2026/118"}});
  ASSERT_EQ(set.status, 200) << set.body;
  nlohmann::json j = body_of(set);
  EXPECT_EQ(j["id"], "rec-1");
  EXPECT_EQ(j["legal_hold"], true);
  EXPECT_EQ(j["state"], "archived");
  EXPECT_FALSE(j.contains("storage_path"));
  EXPECT_EQ(hold_of("rec-1"), 1);
  EXPECT_EQ(audit_count("recording.legal_hold"), 1);
  {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    auto rows =
        (*tx)->query("SELECT detail, facility_id, entity_id FROM audit_events WHERE action = $1",
                     {std::string("recording.legal_hold")});
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    nlohmann::json detail = nlohmann::json::parse(rows->front().get_text(0).value_or("{}"));
    EXPECT_EQ(detail["hold"], true);
    EXPECT_EQ(detail["reason"], "court order 2026/118");
    EXPECT_EQ(rows->front().get_text(1).value_or(""), kFacilityA);
    EXPECT_EQ(rows->front().get_text(2).value_or(""), "rec-1");
  }
  // GET answers the same hold.
  EXPECT_EQ(body_of(send({"GET", "/v1/recordings/rec-1"}, Role::kClinician))["legal_hold"], true);

  http::Response released = put_hold("rec-1", {{"hold", false}});
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(body_of(released)["legal_hold"], false);
  EXPECT_EQ(hold_of("rec-1"), 0);
  EXPECT_EQ(audit_count("recording.legal_hold"), 2);
}

TEST_P(LegalHoldTest, ABadBodyChangesNothing) {
  for (const nlohmann::json& body :
       {nlohmann::json{{"hold", true}}, nlohmann::json{{"hold", true}, {"reason", ""}},
        nlohmann::json{{"hold", true}, {"reason", std::string(501, 'r')}},
        nlohmann::json{{"hold", "yes"}, {"reason", "x"}}, nlohmann::json{{"reason", "x"}},
        nlohmann::json{{"hold", true}, {"reason", "x"}, {"until", 5}}}) {
    http::Response r = put_hold("rec-1", body);
    EXPECT_EQ(r.status, 422) << body.dump() << " " << r.body;
    EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json");
  }
  http::Response not_json =
      send({"PUT", "/v1/recordings/rec-1/legal-hold", "{\"hold\": tru"}, Role::kAdmin);
  EXPECT_EQ(not_json.status, 400);
  // 500 characters is the limit, not over it.
  EXPECT_EQ(put_hold("rec-1", {{"hold", true}, {"reason", std::string(500, 'r')}}).status, 200);
  EXPECT_EQ(audit_count("recording.legal_hold"), 1);
  EXPECT_EQ(put_hold("rec-1", {{"hold", false}, {"reason", std::string(501, 'r')}}).status, 422);
  EXPECT_EQ(hold_of("rec-1"), 1);
  EXPECT_EQ(audit_count("recording.legal_hold"), 1);
}

TEST_P(LegalHoldTest, OnlyTheFacilitysAdminsAndNotAnotherFacility) {
  const nlohmann::json body{{"hold", true}, {"reason", "litigation"}};
  EXPECT_EQ(put_hold("rec-1", body, Role::kAdmin, true).status, 404);
  for (Role role : {Role::kClinician, Role::kHospital, Role::kIntegrator, Role::kAuditor}) {
    EXPECT_EQ(put_hold("rec-1", body, role).status, 403);
  }
  EXPECT_EQ(put_hold("rec-1", body, std::nullopt).status, 401);
  EXPECT_EQ(put_hold("no-such-recording", body).status, 404);
  EXPECT_EQ(hold_of("rec-1"), 0);
  EXPECT_EQ(audit_count("recording.legal_hold"), 0);
}

TEST_P(LegalHoldTest, ADeletedRecordingIsAConflict) {
  {
    records::RecordingStore recordings;
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(recordings.mark_deleted(**tx, kFacilityA, "rec-1", kNow).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  http::Response r = put_hold("rec-1", {{"hold", true}, {"reason", "too late"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(hold_of("rec-1"), 0);
  EXPECT_EQ(audit_count("recording.legal_hold"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, LegalHoldTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

TEST(ByteRangeTest, ParsesTheSingleRangeForms) {
  auto r = parse_byte_range("bytes=0-0", 10);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->last, 0u);
  EXPECT_EQ(parse_byte_range("bytes=5-", 10)->last, 9u);
  EXPECT_EQ(parse_byte_range("bytes=5-100", 10)->last, 9u);
  EXPECT_EQ(parse_byte_range("bytes=-20", 10)->first, 0u);
  EXPECT_FALSE(parse_byte_range("bytes=10-", 10));
  EXPECT_FALSE(parse_byte_range("bytes=5-4", 10));
  EXPECT_FALSE(parse_byte_range("bytes=0-1,3-4", 10));
  EXPECT_FALSE(parse_byte_range("items=0-1", 10));
  EXPECT_FALSE(parse_byte_range("bytes=-0", 10));
}

INSTANTIATE_TEST_SUITE_P(Backends, RecordingsTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
