// Recordings on object storage, end to end: the real `wasl serve` with the
// shipped Twilio plugin against the Twilio emulator archives the room's
// composition through the S3 API into a bucket of the Ceph RADOS Gateway of
// the ctest fixture "ceph" (scripts/test-ceph), the hub storing in
// PostgreSQL.
//   - TwoHubsOneBucket: hub B, in a working directory and archive root of
//     its own (another machine), serves the recording hub A archived, with
//     Range requests (first byte, middle, last byte, over a 64 KiB segment
//     boundary) and whole; the plaintext's SHA-256 is the row's and the
//     provider's; neither hub wrote a file of it to its disk.
//   - KillDuringMultipartUpload: kill -9 while a 100 MiB recording's
//     multipart upload has parts in the bucket; after the restart the
//     recording is archived once, one object holds it, no incomplete upload
//     of the hub's prefix remains, and its download is the provider's media.
//   - GatewayStoppedDuringUploadAndDownload: the gateway goes away in the
//     middle of the upload (the archive step is retried until it is back)
//     and before a download (503 with Retry-After as problem+json, no body
//     presented as the recording).
//   - RetentionLegalHoldAndKeyRotation: an expired recording's object is
//     deleted and audited, one under legal hold stays; `wasl keys rotate` +
//     SIGHUP re-encrypts the object under the new key into a new object, the
//     old one is deleted and the old key can then be retired.
//   - FacilitiesAndSwappedObjects: another facility's key gets 404 for the
//     recording; an object copied over another recording's key is refused
//     (the stream is bound to facility and recording) and audited.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/object_store/s3_object_store.hpp"
#include "hub/plugin_host/http_client.hpp"
#include "hub/storage/store.hpp"
#include "tests/integration/consultation/consultation_participants.hpp"
#include "tests/integration/consultation/twilio_side.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"
#include "wasl/sdk/aws/sigv4.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kPrefix = "recordings/";
constexpr std::uint64_t kSegment = 64 * 1024;

std::string random_name(std::string_view stem) {
  return std::string(stem) + crypto::to_hex(crypto::random_bytes(6).value());
}

// The test's own view of the bucket: made by a signed PUT (the hub never
// creates buckets), read through an S3ObjectStore with no prefix (keys are
// the bucket's own), ListParts by a signed GET.
class Bucket {
 public:
  Bucket(CephGateway gateway, std::string name)
      : gateway_(std::move(gateway)), name_(std::move(name)), http_({}) {
    object_store::S3StoreOptions options;
    options.name = "test-view";
    options.endpoint.base_url = gateway_.endpoint;
    options.endpoint.region = gateway_.region;
    options.endpoint.credentials = {gateway_.access_key, gateway_.secret_key, std::nullopt};
    options.bucket = name_;
    options.part_size = std::size_t{5} << 20;
    options.parts_in_flight = 1;
    options.max_attempts = 1;
    options.request_timeout = 10s;
    auto store = object_store::S3ObjectStore::create(std::move(options));
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (store.ok()) store_ = std::move(store).value();
  }

  const std::string& name() const { return name_; }
  object_store::S3ObjectStore& store() { return *store_; }

  // A signed request to the gateway; the answer, or status 0 with the error.
  plugin_host::HttpResponse call(const std::string& method, const std::string& key,
                                 std::vector<sdk::aws::QueryParameter> query = {}) {
    const std::string host = gateway_.endpoint.substr(gateway_.endpoint.find("://") + 3);
    sdk::aws::SigningRequest request;
    request.method = method;
    request.host = host;
    request.path = "/" + name_ + (key.empty() ? "" : "/" + sdk::aws::uri_encode(key, false));
    request.query = query;
    request.payload = "";
    sdk::aws::AwsCredentials credentials{gateway_.access_key, gateway_.secret_key, std::nullopt};
    auto signed_request = sdk::aws::sign_request(
        request, credentials, {gateway_.region, "s3", std::chrono::system_clock::now()});
    plugin_host::HttpResponse out;
    if (!signed_request.ok()) {
      out.body = signed_request.error().message;
      return out;
    }
    plugin_host::HttpRequest http;
    http.method = method;
    http.url = gateway_.endpoint + request.path;
    for (std::size_t i = 0; i < query.size(); ++i) {
      http.url += (i == 0 ? "?" : "&") + sdk::aws::uri_encode(query[i].name, true) + "=" +
                  sdk::aws::uri_encode(query[i].value, true);
    }
    for (const auto& header : signed_request->headers_to_add) {
      http.headers.emplace_back(header.name, header.value);
    }
    auto answer = http_.send(http);
    if (!answer.ok()) {
      out.body = answer.error().message;
      return out;
    }
    return *answer;
  }

  bool create() {
    plugin_host::HttpResponse made = call("PUT", "");
    EXPECT_EQ(made.status, 200) << made.body;
    return made.status == 200;
  }

  // Incomplete multipart uploads under `prefix`.
  std::vector<sdk::aws::S3MultipartUpload> open_uploads(const std::string& prefix) {
    auto uploads = store_->client().list_multipart_uploads(name_, prefix);
    EXPECT_TRUE(uploads.ok()) << uploads.error().message;
    return uploads.ok() ? *uploads : std::vector<sdk::aws::S3MultipartUpload>{};
  }

  // Parts the gateway holds of an open upload (ListParts), -1 when it
  // cannot say.
  int parts_of(const sdk::aws::S3MultipartUpload& upload) {
    plugin_host::HttpResponse listed = call("GET", upload.key, {{"uploadId", upload.upload_id}});
    if (listed.status != 200) return -1;
    int parts = 0;
    for (std::size_t at = listed.body.find("<Part>"); at != std::string::npos;
         at = listed.body.find("<Part>", at + 1)) {
      ++parts;
    }
    return parts;
  }

  // Objects under `prefix` (full keys).
  std::vector<object_store::ObjectInfo> objects(const std::string& prefix) {
    auto listed = store_->list(prefix);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? *listed : std::vector<object_store::ObjectInfo>{};
  }

 private:
  CephGateway gateway_;
  std::string name_;
  plugin_host::HttpClient http_;
  std::unique_ptr<object_store::S3ObjectStore> store_;
};

class S3ArchiveTest : public ::testing::Test {
 protected:
  // The emulator's compositions are `media_bytes` long; the hub archives
  // into a new bucket of the gateway.
  void start(int media_bytes, std::vector<std::string> more_facilities = {}) {
    gateway_ = CephGateway::from_fixture(WASL_BINARY_DIR);
    bucket_ = std::make_unique<Bucket>(gateway_, random_name("wasl-e2e-"));
    ASSERT_TRUE(bucket_->create());
    twilio_ = TwilioSide::start(media_bytes);
    ASSERT_TRUE(twilio_);
    ConsultationHubOptions options;
    options.port = free_loopback_port();
    options.postgres_url = postgres_test_url();
    options.more_facilities = std::move(more_facilities);
    // The emulator posts its callbacks in order, the room's end last:
    // hub.attendance need not wait the default 3 s for late ones.
    options.attendance_settle = "200ms";
    // The gateway test waits for the archive step's next attempt after the
    // gateway is back: 2 s instead of the shipped 30 s.
    options.archive_retry_delay = "2s";
    options.archive = {{"store", "ceph"},
                       {"retention_interval", "1s"},
                       {"stores",
                        {{"ceph",
                          {{"kind", "s3"},
                           {"endpoint", gateway_.endpoint},
                           {"region", gateway_.region},
                           {"bucket", bucket_->name()},
                           {"prefix", kPrefix},
                           {"addressing", "path"},
                           {"access_key_id", gateway_.access_key},
                           {"secret_access_key", gateway_.secret_key},
                           {"part_size", "5MiB"},
                           {"parts_in_flight", 2},
                           {"checksum", "sha256"}}}}}};
    hub_ = std::make_unique<ConsultationHub>(twilio_->binding(options.port), options);
    ASSERT_TRUE(hub_->start());
  }

  void TearDown() override {
    hub_.reset();
    twilio_.reset();
  }

  std::string facility_prefix() const {
    return std::string(kPrefix) + ConsultationHub::kFacility + "/";
  }

  // Books a consultation, lets the doctor and patient in, ends the room;
  // the consultation id and the room ("" with a test failure).
  std::pair<std::string, std::string> run_session(const std::string& appointment) {
    HubApiClient api = hub_->client("hospital");
    std::string id = hub_->book(api, appointment);
    EXPECT_FALSE(id.empty());
    if (id.empty()) return {};
    EXPECT_EQ(hub_->wait_for_status(api, id, {"waiting_room"}, 30s), "waiting_room")
        << hub_->timeline(api, id) << hub_->log();
    ConsultationParticipants people = admit_doctor_and_patient(*hub_, id);
    EXPECT_EQ(people.joined.size(), 2u);
    std::vector<std::string> identities;
    for (const JoinedParticipant& p : people.joined) identities.push_back(p.id);
    twilio_->join(people.room_id, identities);
    twilio_->end(people.room_id);
    return {id, people.room_id};
  }

  std::string wait_until_over(const std::string& id, std::chrono::milliseconds deadline) {
    return hub_->wait_for_status(hub_->client("hospital"), id, {"completed", "failed", "cancelled"},
                                 deadline);
  }

  // The consultation's one recording as GET /v1/recordings/{id} answers it.
  json recording_of(const std::string& consultation) {
    HubApiClient api = hub_->client("hospital");
    ApiAnswer list = api.get("/v1/consultations/" + consultation + "/recordings");
    EXPECT_EQ(list.status, 200) << list.body;
    if (list.status != 200 || list.json["items"].size() != 1) {
      ADD_FAILURE() << "not one recording: " << list.body;
      return json::object();
    }
    return list.json["items"][0];
  }

  // The recording's row as the database holds it (storage_path, key_id, …).
  json row_of(const std::string& recording) {
    json out = json::object();
    auto db = database();
    if (!db) return out;
    auto tx = db->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return out;
    auto rows = (*tx)->query("SELECT storage_path, key_id, state FROM recordings WHERE id = $1",
                             {recording});
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok() || rows->size() != 1) return out;
    for (const char* column : {"storage_path", "key_id", "state"}) {
      const auto& row = (*rows)[0];
      out[column] =
          row.is_null(column) ? std::string() : row.get_text(column).value_or(std::string());
    }
    return out;
  }

  // Runs one statement on the hub's database, for what no API does (a
  // retention date in the past, a legal hold).
  void exec(const std::string& sql, const storage::Params& params) {
    auto db = database();
    ASSERT_TRUE(db);
    auto tx = db->begin(storage::TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    auto changed = (*tx)->exec(sql, params);
    ASSERT_TRUE(changed.ok()) << changed.error().message;
    ASSERT_EQ(*changed, 1) << sql;
    ASSERT_TRUE((*tx)->commit().ok());
  }

  std::unique_ptr<storage::Store> database() {
    storage::PostgresOptions options;
    options.url = hub_->postgres_schema_url();
    options.pool_size = 1;
    auto store = storage::open_postgres(options);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // The object key (without the bucket) a locator names.
  std::string key_of(const std::string& locator) {
    const std::string head = "s3://" + bucket_->name() + "/";
    EXPECT_EQ(locator.rfind(head, 0), 0u) << locator;
    return locator.substr(head.size());
  }

  // Attempts of the consultation's archive step in `status` (timeline).
  int archive_attempts(const HubApiClient& api, const std::string& id, const std::string& status) {
    ApiAnswer timeline = api.get("/v1/consultations/" + id + "/timeline");
    if (timeline.status != 200 || !timeline.json.is_object()) return -1;
    int count = 0;
    for (const auto& attempt : timeline.json.value("attempts", json::array())) {
      if (attempt.value("step_id", std::string()) == "archive" &&
          attempt.value("status", std::string()) == status) {
        ++count;
      }
    }
    return count;
  }

  // Polls until `done` holds or the deadline passes; whether it held.
  static bool eventually(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(100ms);
    }
    return done();
  }

  CephGateway gateway_;
  std::unique_ptr<Bucket> bucket_;
  std::unique_ptr<TwilioSide> twilio_;
  std::unique_ptr<ConsultationHub> hub_;
};

TEST_F(S3ArchiveTest, TwoHubsOneBucket) {
  // Several segments and a short last one.
  constexpr int kMedia = 3 * 1024 * 1024 + 12345;
  start(kMedia);
  auto [id, room] = run_session("appt-s3-two-hubs");
  ASSERT_FALSE(id.empty());
  ASSERT_EQ(wait_until_over(id, 90s), "completed")
      << hub_->timeline(hub_->client("hospital"), id) << hub_->log();
  TwilioSide::Media media = twilio_->composition_of(room);
  ASSERT_EQ(media.size, kMedia);
  json recording = recording_of(id);
  const std::string rid = recording.value("id", std::string());
  ASSERT_FALSE(rid.empty());
  EXPECT_EQ(recording.value("plaintext_sha256", std::string()), media.sha256);
  json row = row_of(rid);
  const std::string key = key_of(row.value("storage_path", std::string()));
  EXPECT_EQ(key.rfind(facility_prefix(), 0), 0u) << key;
  ASSERT_EQ(bucket_->objects(facility_prefix()).size(), 1u);

  ASSERT_TRUE(hub_->start_second(true));
  HubApiClient b = hub_->second_client("hospital");
  const std::string path = "/v1/recordings/" + rid + "/content";
  ApiAnswer whole = b.get(path);
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 300) << hub_->log();
  ASSERT_EQ(whole.body.size(), static_cast<std::size_t>(kMedia));
  EXPECT_EQ(sha256_hex(whole.body), recording.value("plaintext_sha256", std::string()));
  EXPECT_EQ(sha256_hex(whole.body), media.sha256);

  const std::uint64_t size = kMedia;
  struct Range {
    std::uint64_t first, last;
  };
  for (Range r : {Range{0, 0}, Range{size / 2, size / 2 + 999}, Range{size - 1, size - 1},
                  Range{kSegment - 10, kSegment + 10}, Range{2 * kSegment - 1, 2 * kSegment}}) {
    const std::string spec = std::to_string(r.first) + "-" + std::to_string(r.last);
    ApiAnswer part = b.get_range(path, "bytes=" + spec);
    ASSERT_EQ(part.status, 206) << spec << ": " << part.body.substr(0, 300);
    EXPECT_EQ(part.headers["content-range"], "bytes " + spec + "/" + std::to_string(size));
    EXPECT_EQ(part.body, whole.body.substr(r.first, r.last - r.first + 1)) << spec;
  }
  // Neither hub keeps the recording on its own disk.
  for (const std::string& dir :
       {hub_->dir().file("recordings"), hub_->dir().file("hub-b/recordings")}) {
    if (!std::filesystem::exists(dir)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
      EXPECT_FALSE(entry.is_regular_file()) << entry.path();
    }
  }
}

TEST_F(S3ArchiveTest, KillDuringMultipartUpload) {
  // Twenty 5 MiB parts: the upload is still open when the first is seen.
  constexpr int kMedia = 100 * 1024 * 1024;
  start(kMedia);
  auto [id, room] = run_session("appt-s3-kill");
  ASSERT_FALSE(id.empty());
  // The upload is under way: the gateway holds at least one of its parts.
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& upload : bucket_->open_uploads(facility_prefix())) {
          if (bucket_->parts_of(upload) >= 1) return true;
        }
        return false;
      },
      90s))
      << hub_->timeline(hub_->client("hospital"), id) << hub_->log();
  hub_->kill();
  // Killed mid-upload: the upload it left is open.
  ASSERT_FALSE(bucket_->open_uploads(facility_prefix()).empty())
      << "the upload finished before the kill";
  ASSERT_TRUE(hub_->start());
  ASSERT_EQ(wait_until_over(id, 120s), "completed")
      << hub_->timeline(hub_->client("hospital"), id) << hub_->log();

  TwilioSide::Media media = twilio_->composition_of(room);
  json recording = recording_of(id);
  EXPECT_EQ(recording.value("state", std::string()), "archived");
  EXPECT_EQ(recording.value("size_bytes", std::int64_t{0}), kMedia);
  EXPECT_EQ(recording.value("plaintext_sha256", std::string()), media.sha256);
  // One object, the row's; nothing of the killed upload is left.
  std::vector<object_store::ObjectInfo> objects = bucket_->objects(facility_prefix());
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].key,
            key_of(row_of(recording.value("id", std::string())).value("storage_path", "")));
  EXPECT_TRUE(eventually([&] { return bucket_->open_uploads(kPrefix).empty(); }, 10s))
      << "an incomplete upload of the hub's prefix remains";
  ApiAnswer whole = hub_->client("hospital")
                        .get("/v1/recordings/" + recording.value("id", std::string()) + "/content");
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 300);
  EXPECT_EQ(whole.body.size(), static_cast<std::size_t>(kMedia));
  EXPECT_EQ(sha256_hex(whole.body), media.sha256);
}

TEST_F(S3ArchiveTest, GatewayStoppedDuringUploadAndDownload) {
  constexpr int kMedia = 60 * 1024 * 1024;
  start(kMedia);
  const auto [session, room] = run_session("appt-s3-gateway");
  const std::string id = session;
  ASSERT_FALSE(id.empty());
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& upload : bucket_->open_uploads(facility_prefix())) {
          if (bucket_->parts_of(upload) >= 1) return true;
        }
        return false;
      },
      60s))
      << hub_->log();
  ASSERT_EQ(gateway_.stop_gateway(), 0);
  // Whatever happens, the gateway comes back for the tests after this one.
  struct Restart {
    const CephGateway& gateway;
    bool started = false;
    ~Restart() {
      if (!started) gateway.start_gateway();
    }
  } restart{gateway_};
  // The archive attempt fails while the gateway is away (after the store's
  // own retries); the consultation waits for the step's next attempt.
  HubApiClient api = hub_->client("hospital");
  ASSERT_TRUE(eventually([&] { return archive_attempts(api, id, "failed") >= 1; }, 90s))
      << hub_->timeline(api, id) << hub_->log();
  EXPECT_NE(hub_->log().find("archive store 'ceph'"), std::string::npos)
      << "the store retried nothing: " << hub_->log();
  EXPECT_NE(wait_until_over(id, 1s), "completed");
  ASSERT_EQ(gateway_.start_gateway(), 0);
  restart.started = true;
  ASSERT_EQ(wait_until_over(id, 120s), "completed")
      << hub_->timeline(hub_->client("hospital"), id) << hub_->log();
  EXPECT_EQ(archive_attempts(api, id, "succeeded"), 1) << hub_->timeline(api, id);
  TwilioSide::Media media = twilio_->composition_of(room);
  json recording = recording_of(id);
  const std::string path = "/v1/recordings/" + recording.value("id", std::string()) + "/content";
  ApiAnswer whole = api.get(path);
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 300);
  EXPECT_EQ(sha256_hex(whole.body), media.sha256);
  EXPECT_EQ(bucket_->objects(facility_prefix()).size(), 1u);

  // A download while the gateway is away: 503 to retry, never a body.
  ASSERT_EQ(gateway_.stop_gateway(), 0);
  restart.started = false;
  ApiAnswer busy = api.get(path);
  EXPECT_EQ(busy.status, 503) << busy.body.substr(0, 300);
  EXPECT_FALSE(busy.headers["retry-after"].empty());
  EXPECT_EQ(busy.headers["content-type"].rfind("application/problem+json", 0), 0u)
      << busy.headers["content-type"];
  EXPECT_TRUE(busy.json.is_object()) << busy.body.substr(0, 300);
  ApiAnswer busy_range = api.get_range(path, "bytes=100-200");
  EXPECT_EQ(busy_range.status, 503) << busy_range.body.substr(0, 300);
  ASSERT_EQ(gateway_.start_gateway(), 0);
  restart.started = true;
  ApiAnswer again;
  ASSERT_TRUE(eventually(
      [&] {
        again = api.get(path);
        return again.status == 200;
      },
      30s))
      << again.status << " " << again.body.substr(0, 300);
  EXPECT_EQ(sha256_hex(again.body), media.sha256);
}

TEST_F(S3ArchiveTest, RetentionLegalHoldAndKeyRotation) {
  constexpr int kMedia = 6 * 1024 * 1024 + 77;
  start(kMedia);
  std::vector<std::string> recordings;
  for (const std::string appointment : {"appt-s3-expire", "appt-s3-hold", "appt-s3-rotate"}) {
    auto [id, room] = run_session(appointment);
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(wait_until_over(id, 90s), "completed")
        << hub_->timeline(hub_->client("hospital"), id) << hub_->log();
    recordings.push_back(recording_of(id).value("id", std::string()));
  }
  const std::string expire = recordings[0], hold = recordings[1], rotate = recordings[2];
  const std::string expire_key = key_of(row_of(expire).value("storage_path", ""));
  const std::string hold_key = key_of(row_of(hold).value("storage_path", ""));
  const std::string rotate_key = key_of(row_of(rotate).value("storage_path", ""));
  const std::string old_key_id = row_of(rotate).value("key_id", "");
  ASSERT_EQ(bucket_->objects(facility_prefix()).size(), 3u);

  // Two retention dates in the past, one of them under legal hold.
  exec("UPDATE recordings SET retention_until = 1000 WHERE id = $1", {expire});
  exec("UPDATE recordings SET retention_until = 1000, legal_hold = 1 WHERE id = $1", {hold});
  auto exists = [&](const std::string& key) {
    auto head = bucket_->store().head(key);
    EXPECT_TRUE(head.ok()) << head.error().message;
    return head.ok() && head->has_value();
  };
  ASSERT_TRUE(eventually([&] { return !exists(expire_key); }, 30s)) << hub_->log();
  EXPECT_EQ(hub_->client("hospital").get("/v1/recordings/" + expire).json.value("state", ""),
            "deleted");
  ApiAnswer audit = hub_->client("auditor").get("/v1/audit?action=recording.delete");
  ASSERT_EQ(audit.status, 200) << audit.body;
  ASSERT_EQ(audit.json["items"].size(), 1u) << audit.body;
  EXPECT_EQ(audit.json["items"][0].value("entity_id", std::string()), expire);
  EXPECT_TRUE(exists(hold_key));
  EXPECT_EQ(hub_->client("hospital").get("/v1/recordings/" + hold).json.value("state", ""),
            "archived");

  // Key rotation: a new object under the new key id, the old one gone.
  CommandResult rotated = hub_->run_command({"keys", "rotate"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  hub_->signal(SIGHUP);
  std::string new_key;
  ASSERT_TRUE(eventually(
      [&] {
        json row = row_of(rotate);
        if (row.value("key_id", "") == old_key_id || row.value("key_id", "").empty()) return false;
        new_key = key_of(row.value("storage_path", ""));
        return true;
      },
      60s))
      << hub_->log();
  EXPECT_NE(new_key, rotate_key);
  EXPECT_NE(new_key.find(row_of(rotate).value("key_id", "")), std::string::npos) << new_key;
  EXPECT_TRUE(exists(new_key));
  EXPECT_TRUE(eventually([&] { return !exists(rotate_key) && !exists(hold_key); }, 60s))
      << "the objects under the old key stay";
  ApiAnswer content = hub_->client("hospital").get("/v1/recordings/" + rotate + "/content");
  ASSERT_EQ(content.status, 200) << content.body.substr(0, 300);
  EXPECT_EQ(sha256_hex(content.body), hub_->client("hospital")
                                          .get("/v1/recordings/" + rotate)
                                          .json.value("plaintext_sha256", std::string()));
  CommandResult retired = hub_->run_command({"keys", "retire", old_key_id});
  EXPECT_EQ(retired.exit_code, 0) << retired.out << retired.err;
}

TEST_F(S3ArchiveTest, FacilitiesAndSwappedObjects) {
  constexpr int kMedia = 400000;
  start(kMedia, {"hospital-b"});
  std::vector<std::string> recordings;
  for (const std::string appointment : {"appt-s3-own", "appt-s3-other"}) {
    auto [id, room] = run_session(appointment);
    ASSERT_FALSE(id.empty());
    ASSERT_EQ(wait_until_over(id, 90s), "completed")
        << hub_->timeline(hub_->client("hospital"), id) << hub_->log();
    recordings.push_back(recording_of(id).value("id", std::string()));
  }
  // Another facility's key: the recording does not exist for it.
  HubApiClient other = hub_->client("hospital", "hospital-b");
  for (const std::string suffix : {"", "/content"}) {
    ApiAnswer read = other.get("/v1/recordings/" + recordings[0] + suffix);
    EXPECT_EQ(read.status, 404) << suffix << ": " << read.body.substr(0, 300);
  }

  // The first recording's object copied over the second's key.
  const std::string first_key = key_of(row_of(recordings[0]).value("storage_path", ""));
  const std::string second_key = key_of(row_of(recordings[1]).value("storage_path", ""));
  std::string bytes;
  ASSERT_TRUE(bucket_->store()
                  .read(first_key, 0, UINT64_MAX,
                        [&bytes](std::string_view chunk) {
                          bytes.append(chunk);
                          return sdk::Status();
                        })
                  .ok());
  auto writer = bucket_->store().create(second_key);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  ASSERT_TRUE((*writer)->write(bytes).ok());
  ASSERT_TRUE((*writer)->commit().ok());

  HubApiClient api = hub_->client("hospital");
  ApiAnswer swapped = api.get("/v1/recordings/" + recordings[1] + "/content");
  EXPECT_EQ(swapped.status, 500) << swapped.body.substr(0, 300);
  EXPECT_TRUE(swapped.json.is_object()) << swapped.body.substr(0, 300);
  ApiAnswer swapped_range =
      api.get_range("/v1/recordings/" + recordings[1] + "/content", "bytes=70000-70100");
  EXPECT_EQ(swapped_range.status, 500) << swapped_range.body.substr(0, 300);
  ApiAnswer audit = hub_->client("auditor").get("/v1/audit?action=recording.download");
  ASSERT_EQ(audit.status, 200) << audit.body;
  int refused = 0;
  for (const auto& event : audit.json["items"]) {
    if (event.value("entity_id", std::string()) == recordings[1] &&
        event.value("outcome", std::string()) == "failure") {
      ++refused;
    }
  }
  EXPECT_EQ(refused, 2) << audit.body;
  // The first is still itself.
  EXPECT_EQ(api.get("/v1/recordings/" + recordings[0] + "/content").status, 200);
}

}  // namespace
}  // namespace wasl::testing
