// Shared documents through the router, on SQLite and PostgreSQL, with a real
// clamd (scripts/test-clamav, whose database holds the EICAR test
// signature): the role matrix, a JPEG shared and downloaded through its
// link with its SHA-256 intact and refused once the link has expired, a
// PDF carrying the EICAR text refused by ClamAV, an executable named .pdf
// refused by its bytes, a file of 10 MiB + 1 byte refused, an upload while
// clamd does not answer refused with 503, the file name encrypted in the
// database and the object encrypted in the store.
#include "hub/api/shared_documents.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "hub/clinical/document_attachment.hpp"
#include "hub/crypto/digest.hpp"
#include "hub/jobs/task_runner.hpp"
#include "tests/unit/api/clinical_fixture.hpp"

namespace wasl::api::testing {
namespace {

// clamd's address from the fixture's endpoint file; empty when absent.
std::string clamd_address() {
  std::ifstream in(std::filesystem::path(WASL_BINARY_DIR) / "test-clamav" / "endpoint");
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  if (!values.contains("host") || !values.contains("port")) return "";
  return "tcp://" + values["host"] + ":" + values["port"];
}

// A baseline JPEG: SOI, a frame header of 640 x 480, a scan of `bytes`
// pseudo-random entropy-coded bytes (0xFF stuffed as FF 00), EOI.
std::string jpeg(std::size_t bytes) {
  std::string out("\xFF\xD8", 2);
  out += std::string("\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  out += std::string("\xFF\xC0\x00\x0B\x08\x01\xE0\x02\x80\x01\x01\x11\x00", 13);
  out += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00", 10);
  std::uint32_t x = 2463534242U;
  for (std::size_t i = 0; i < bytes; ++i) {
    x ^= x << 13U;
    x ^= x >> 17U;
    x ^= x << 5U;
    const char c = static_cast<char>(x & 0xFFU);
    out += c;
    if (c == '\xFF') out += '\0';
  }
  out += std::string("\xFF\xD9", 2);
  return out;
}

// A one-page PDF whose content stream holds `text`, with a correct xref.
std::string pdf(const std::string& text) {
  std::string out = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  auto object = [&](const std::string& body) {
    offsets.push_back(out.size());
    out += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>");
  object("<< /Length " + std::to_string(text.size()) + " >>\nstream\n" + text + "\nendstream");
  const std::size_t xref = out.size();
  out += "xref\n0 5\n0000000000 65535 f \n";
  for (std::size_t o : offsets) {
    std::string n = std::to_string(o);
    out += std::string(10 - n.size(), '0') + n + " 00000 n \n";
  }
  out += "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

// A test double of the facility's EHR: records the DocumentReferences asked
// for and answers one id per idempotency key, as a conditional create does.
class RecordingEhr : public sdk::EhrConnector {
 public:
  std::vector<sdk::DocumentRequest> documents;

  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef&) override {
    return unimplemented();
  }
  sdk::Result<sdk::PractitionerSummary> read_practitioner(const sdk::ResourceRef&) override {
    return unimplemented();
  }
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef&) override {
    return unimplemented();
  }
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest&) override {
    return unimplemented();
  }
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate&) override {
    return unimplemented();
  }
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest&) override {
    return unimplemented();
  }
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest& request) override {
    documents.push_back(request);
    return sdk::ResourceCreated{"doc-ref-" + request.idempotency_key, "1", true};
  }

 private:
  static sdk::Error unimplemented() {
    return sdk::Error(sdk::ErrorCode::kUnimplemented, "not used by this test");
  }
};

const std::string kEicar =
    R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";

class SharedDocumentsTest : public ClinicalFixture {
 protected:
  void SetUp() override {
    ClinicalFixture::SetUp();
    if (HasFatalFailure()) return;
    const std::string address = clamd_address();
    ASSERT_FALSE(address.empty()) << "no clamd: the clamav fixture (scripts/test-clamav) did not "
                                     "start it";
    auto scanner = clinical::ClamdScanner::create(address, std::chrono::seconds(10));
    ASSERT_TRUE(scanner.ok()) << scanner.error().message;
    scanner_.emplace(std::move(scanner).value());
    context_.document_scanner = &*scanner_;
  }

  std::string path(const std::string& suffix = "") {
    return "/v1/consultations/" + consultation_ + "/documents" + suffix;
  }

  http::Response upload(const std::string& bytes, const std::string& name,
                        const Caller& as = kClinicianCaller) {
    const std::string target = path("?name=" + name);
    return send({"POST", target, bytes, {{"Content-Type", "application/pdf"}}}, as.role,
                as.facility_b);
  }

  static std::string body_text(const http::Response& r) {
    std::ostringstream out;
    if (r.stream_body) r.stream_body(out);
    return out.str();
  }

  static std::string problem_detail(const http::Response& r) {
    return body_of(r).value("detail", std::string());
  }

  std::optional<clinical::ClamdScanner> scanner_;
};

TEST_P(SharedDocumentsTest, AJpegIsSharedAndDownloadedThroughItsLinkUntilItExpires) {
  const std::string photo = jpeg(300 * 1024);
  http::Response created = upload(photo, "rash.pdf", kHospitalCaller);
  ASSERT_EQ(created.status, 201) << created.body;
  const nlohmann::json d = body_of(created);
  EXPECT_EQ(d["type"], "jpeg") << "the bytes decide, not the name nor the Content-Type";
  EXPECT_EQ(d["content_type"], "image/jpeg");
  EXPECT_EQ(d["name"], "rash.pdf");
  EXPECT_EQ(d["size_bytes"], photo.size());
  EXPECT_EQ(d["sha256_hex"], crypto::sha256_hex(photo));
  const std::string id = d["id"];
  EXPECT_EQ(audit_count("document.create"), 1);

  // Encrypted at rest: the name in the database, the bytes in the store.
  if (GetParam() == storage::Dialect::kSqlite) {
    EXPECT_EQ(sqlite_bytes().find("rash.pdf"), std::string::npos);
  }
  bool found_object = false;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(scratch_.path())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".wse") continue;
    found_object = true;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string stored((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_TRUE(stored.starts_with("WASLSE"));
    EXPECT_EQ(stored.find(photo.substr(1000, 64)), std::string::npos);
  }
  EXPECT_TRUE(found_object);

  // Listed with names for clinical roles, without for operators.
  http::Response listed = call("GET", path(), kClinicianCaller);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(body_of(listed)["items"].size(), 1U);
  EXPECT_EQ(body_of(listed)["items"][0]["name"], "rash.pdf");
  http::Response metadata = call("GET", path(), kIntegratorCaller);
  ASSERT_EQ(metadata.status, 200) << metadata.body;
  EXPECT_FALSE(body_of(metadata)["items"][0].contains("name"));
  EXPECT_EQ(metadata.body.find("rash"), std::string::npos);

  // A link that works for a short while, on the wall clock.
  context_.options.clock = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  context_.options.document_link_ttl = std::chrono::milliseconds(1500);
  http::Response link = call("POST", path("/" + id + "/link"), kClinicianCaller);
  ASSERT_EQ(link.status, 201) << link.body;
  const std::string url = body_of(link)["url"];
  http::Response got = send({"GET", url}, std::nullopt);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.headers.find("Content-Type")->second, "image/jpeg");
  const std::string downloaded = body_text(got);
  EXPECT_EQ(crypto::sha256_hex(downloaded), crypto::sha256_hex(photo));
  EXPECT_EQ(audit_count("document.download"), 1);

  // Refused once it has expired: polled with a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    http::Response again = send({"GET", url}, std::nullopt);
    status = again.status;
    body_text(again);
    if (status == 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 410);
  EXPECT_EQ(send({"GET", "/v1/document-links/" + std::string(64, 'a')}, std::nullopt).status, 404);
}

TEST_P(SharedDocumentsTest, ClamAvRefusesTheEicarTestFile) {
  http::Response r = upload(pdf(kEicar), "lab-result.pdf");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_TRUE(is_problem(r));
  EXPECT_NE(problem_detail(r).find("Wasl.Test.EICAR"), std::string::npos) << r.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shared_documents"), 0);
  // The same PDF without the test text is accepted: the refusal was ClamAV's.
  http::Response clean = upload(pdf("BT /F1 12 Tf (Haemoglobin 13.5 g/dL) Tj ET"), "lab.pdf");
  ASSERT_EQ(clean.status, 201) << clean.body;
  EXPECT_EQ(body_of(clean)["type"], "pdf");
}

TEST_P(SharedDocumentsTest, AnExecutableNamedPdfIsRefusedByItsBytes) {
  std::ifstream in("/bin/true", std::ios::binary);
  std::string elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(
      elf.starts_with("\x7F"
                      "ELF"));
  http::Response r = upload(elf, "report.pdf");
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_TRUE(is_problem(r));
  // A PDF header on a file that is not a PDF is 422.
  http::Response fake = upload("%PDF-1.7\n" + elf, "report.pdf");
  EXPECT_EQ(fake.status, 422) << fake.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shared_documents"), 0);
}

TEST_P(SharedDocumentsTest, AFileOfTenMebibytesAndOneByteIsRefused) {
  std::string big = jpeg(10 * 1024 * 1024);
  big.resize(static_cast<std::size_t>(kMaxDocumentBytes) + 1, '\0');
  http::Response r = upload(big, "scan.jpg");
  EXPECT_EQ(r.status, 413) << r.body;
  // The server refuses it before reading it: the route's body limit is
  // 10 MiB (the server's 413 for larger bodies).
  bool limited = false;
  for (const http::Route& route : router_.routes()) {
    if (route.method == "POST" && route.path_template == "/v1/consultations/{id}/documents") {
      limited = route.options.body_limit == kMaxDocumentBytes;
    }
  }
  EXPECT_TRUE(limited);
  EXPECT_TRUE(is_problem(r));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shared_documents"), 0);
}

TEST_P(SharedDocumentsTest, AFileThatCannotBeScannedIsNotAccepted) {
  // A loopback port nobody listens on: clamd is not running there.
  auto down = clinical::ClamdScanner::create("tcp://127.0.0.1:1", std::chrono::seconds(2));
  ASSERT_TRUE(down.ok());
  context_.document_scanner = &*down;
  http::Response r = upload(jpeg(1024), "photo.jpg");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_TRUE(is_problem(r));
  EXPECT_TRUE(r.headers.contains("Retry-After"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shared_documents"), 0);
  context_.document_scanner = nullptr;
  EXPECT_EQ(upload(jpeg(1024), "photo.jpg").status, 503);
}

TEST_P(SharedDocumentsTest, RoleMatrix) {
  http::Response created = upload(jpeg(2048), "photo.jpg", kClinicianCaller);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = body_of(created)["id"];
  EXPECT_EQ(upload(jpeg(2048), "photo.jpg", kHospitalCaller).status, 201);
  for (const Caller& as : {kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    EXPECT_EQ(upload(jpeg(2048), "photo.jpg", as).status, 403);
    EXPECT_EQ(call("POST", path("/" + id + "/link"), as).status, 403);
  }
  EXPECT_EQ(call("GET", path(), kAuditorCaller).status, 403);
  for (const Caller& as : {kOtherFacilityClinician, kOtherFacilityHospital}) {
    EXPECT_EQ(upload(jpeg(2048), "photo.jpg", as).status, 404);
    EXPECT_EQ(call("GET", path(), as).status, 404);
    EXPECT_EQ(call("POST", path("/" + id + "/link"), as).status, 404);
  }
  EXPECT_EQ(call("POST", path("/no-such-document/link"), kClinicianCaller).status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM shared_documents"), 2);
}

TEST_P(SharedDocumentsTest, ASharedDocumentIsAttachedToThePatientsRecordOnce) {
  config_.facilities[kFacilityA].bindings["ehr"] = "ehr.test";
  const std::string photo = jpeg(4096);
  http::Response created = upload(photo, "wound.jpg", kClinicianCaller);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = body_of(created)["id"];
  EXPECT_FALSE(body_of(created)["attached_to_record"].get<bool>());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs WHERE kind = $1",
                   {std::string(clinical::kDocumentAttachTask)}),
            1)
      << "the upload's transaction promised the attachment";

  auto ehr = std::make_shared<RecordingEhr>();
  jobs::TaskRunner runner(*store_, jobs::TaskRunnerOptions{});
  auto attachment = std::make_shared<clinical::DocumentAttachment>(
      *store_, config_, *cipher_, *audit_,
      [ehr](const std::string& instance) -> sdk::Result<std::shared_ptr<sdk::EhrConnector>> {
        if (instance != "ehr.test") {
          return sdk::Error(sdk::ErrorCode::kNotFound, "no such instance");
        }
        return std::shared_ptr<sdk::EhrConnector>(ehr);
      });
  ASSERT_TRUE(runner.handle(clinical::kDocumentAttachTask, attachment).ok());
  // The task runs under its facility's ehr instance's share of the runner.
  jobs::Task attach;
  attach.payload = {{"facility_id", kFacilityA}, {"document_id", id}};
  EXPECT_EQ(attachment->instance(attach), "ehr.test");
  attach.payload["facility_id"] = kFacilityB;
  EXPECT_EQ(attachment->instance(attach), "");
  // Every due task once (the consultation's own may be among them).
  for (int i = 0; i < 20 && ehr->documents.empty(); ++i) {
    auto ran = runner.run_once();
    ASSERT_TRUE(ran.ok()) << ran.error().message;
    if (!*ran) break;
  }
  ASSERT_EQ(ehr->documents.size(), 1U);
  const sdk::DocumentRequest& asked = ehr->documents.front();
  EXPECT_EQ(asked.idempotency_key, "wasl-document-" + id);
  EXPECT_EQ(asked.patient_id, "7");
  EXPECT_EQ(asked.type_code, clinical::kSharedDocumentTypeCode);
  EXPECT_EQ(asked.title, "wound.jpg");
  EXPECT_EQ(asked.content_type, "image/jpeg");
  EXPECT_EQ(asked.size_bytes, static_cast<std::int64_t>(photo.size()));
  EXPECT_EQ(asked.sha256_hex, crypto::sha256_hex(photo));
  EXPECT_TRUE(
      asked.url.ends_with("/v1/consultations/" + consultation_ + "/documents/" + id + "/content"))
      << asked.url;
  EXPECT_EQ(audit_count("document.attach"), 1);
  http::Response listed = call("GET", path(), kClinicianCaller);
  EXPECT_TRUE(body_of(listed)["items"][0]["attached_to_record"].get<bool>());

  // The URL the DocumentReference names serves the content to the
  // facility's keys.
  const std::string content = "/" + id + "/content";
  http::Response read = call("GET", path(content), kHospitalCaller);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(crypto::sha256_hex(body_text(read)), crypto::sha256_hex(photo));
  EXPECT_EQ(call("GET", path(content), kIntegratorCaller).status, 403);
  EXPECT_EQ(call("GET", path(content), kOtherFacilityHospital).status, 404);

  // Asked again (a crash between the call and its settlement): no second
  // DocumentReference.
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(clinical::DocumentAttachment::request(**tx, kFacilityA, id, kNow).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  for (int i = 0; i < 20; ++i) {
    auto ran = runner.run_once();
    ASSERT_TRUE(ran.ok()) << ran.error().message;
    if (!*ran) break;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM jobs WHERE kind = $1",
                   {std::string(clinical::kDocumentAttachTask)}),
            0);
  EXPECT_EQ(ehr->documents.size(), 1U);
}

INSTANTIATE_TEST_SUITE_P(Backends, SharedDocumentsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
