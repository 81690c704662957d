// Point 7: the MOH file drop (reporting.moh's file_drop_directory, outside
// the hub's encryption) holds no patient identifier, and one facility cannot
// write in another's name. Hospital-a and hospital-b each run a workflow
// that reads the demo patient and reports the consultation: each facility's
// file is there, mode 0600 in a directory of mode 0700, without the
// patient's national id, iqama or name (the ministry's HTTPS receiver still
// gets the identifiers). B's workflows then submit a report naming A's
// facility (facility_id, then A's facility and consultation in the body):
// each is refused with permission_denied, audited as access.denied for B;
// A's file is unchanged, byte for byte, and no file appears in A's name.
// Last, B's aggregate report for a day whose consultation has the specialty
// =HYPERLINK("http://x") has that CSV cell prefixed with an apostrophe.
// (Deleting files past the facility's retention needs days of clock:
// plugins/moh/tests covers it.)
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr auto kReportDeadline = 60s;
// The day of this test's consultations: no other test books on it, so the
// aggregate counts and the file names are this test's alone.
constexpr const char* kDay = "2030-07-07";
constexpr const char* kScheduledAt = "2030-07-07T09:00:00Z";
constexpr const char* kFormula = "=HYPERLINK(\"http://x\")";

// The demo patient's identifiers and names (tests/peers/fhir fixtures).
const char* const kPatientIdentifiers[] = {"1098765432", "2123456789", "MRN-000417"};
const char* const kPatientNames[] = {"فاطمة", "الزهراني", "Fatimah", "Alzahrani"};

// A workflow reading the trigger's appointment and its patient (the demo
// patient: a facility names her once its run has learnt her from its
// appointment), then building this consultation's report and submitting it
// with `submit` (YAML lines of the submit step, after its `call`).
std::string report_workflow(const std::string& name, const std::string& submit) {
  return "name: " + name +
         "\n"
         "version: 1\n"
         "trigger:\n"
         "  kind: api\n"
         "steps:\n"
         "  - id: appointment\n"
         "    call: ehr.read_appointment\n"
         "    with:\n"
         "      id: ${trigger.appointment_id}\n"
         "  - id: patient\n"
         "    call: ehr.read_patient\n"
         "    with:\n"
         "      id: ${steps.appointment.output.patient_id}\n"
         "  - id: report_body\n"
         "    call: hub.build_report\n"
         "    with:\n"
         "      kind: consultation\n"
         "      patient: ${steps.patient.output}\n"
         "  - id: report\n"
         "    call: reporting.submit_report\n" +
         submit;
}

// B's submit steps in A's name: A's facility_id beside B's own report, then
// A's facility (id, name, licence as facilities.hospital-a has them) and
// A's consultation (the trigger's notes) in a body made of B's report's
// parts, whose file would take A's file's name.
constexpr const char* kSubmitAsAById =
    "    with:\n"
    "      kind: consultation\n"
    "      facility_id: hospital-a\n"
    "      period_start_ms: ${steps.report_body.output.period_start_ms}\n"
    "      period_end_ms: ${steps.report_body.output.period_end_ms}\n"
    "      body: ${steps.report_body.output.body}\n";
constexpr const char* kSubmitAsAByBody =
    "    with:\n"
    "      kind: consultation\n"
    "      period_start_ms: ${steps.report_body.output.period_start_ms}\n"
    "      period_end_ms: ${steps.report_body.output.period_end_ms}\n"
    "      body:\n"
    "        facility:\n"
    "          id: hospital-a\n"
    "          name: Hospital A\n"
    "          licence: \"10000000000001\"\n"
    "          language: en\n"
    "          time_zone: Asia/Riyadh\n"
    "          retention_days: 2555\n"
    "        report_id: ${steps.report_body.output.body.report_id}\n"
    "        generated_at: ${steps.report_body.output.body.generated_at}\n"
    "        period: ${steps.report_body.output.body.period}\n"
    "        consultation:\n"
    "          id: ${trigger.notes}\n"
    "          type: doctor_patient\n"
    "          status: in_progress\n"
    "        duration_seconds: 0\n"
    "        patient: ${steps.report_body.output.body.patient}\n"
    "        practitioner: ${steps.report_body.output.body.practitioner}\n";

// B's aggregate of kDay after recording the trigger's notes as this
// consultation's specialty.
constexpr const char* kAggregateWorkflow =
    "name: sec-07-aggregate\n"
    "version: 1\n"
    "trigger:\n"
    "  kind: api\n"
    "steps:\n"
    "  - id: details\n"
    "    call: hub.describe_consultation\n"
    "    with:\n"
    "      specialty: ${trigger.notes}\n"
    "  - id: report_body\n"
    "    call: hub.build_report\n"
    "    with:\n"
    "      kind: aggregate\n"
    "      period: \"2030-07-07\"\n"
    "  - id: report\n"
    "    call: reporting.submit_report\n"
    "    with: ${steps.report_body.output}\n";

// The attempts of `step` in a timeline.
json report_attempts_of(const json& timeline, const std::string& step) {
  json out = json::array();
  if (!timeline.is_object()) return out;
  for (const auto& a : timeline.value("attempts", json::array())) {
    if (a.value("step_id", std::string()) == step) out.push_back(a);
  }
  return out;
}

// Deploys `yaml` as `facility`'s workflow `name`, stores Appointment/
// sec-07-<facility>-<name> (the demo patient with her practitioner, on kDay)
// in the EHR, runs a consultation of the workflow for it with `notes`, and
// waits for the run's end; the timeline.
json run(SecurityHub& s, const std::string& facility, const std::string& name,
         const std::string& yaml, const std::string& notes = "") {
  ApiAnswer deployed = s.deploy(facility, name, yaml);
  EXPECT_TRUE(deployed.status == 200 || deployed.status == 201) << deployed.body;
  const std::string appointment_id = "sec-07-" + facility + "-" + name;
  const json appointment = {
      {"resourceType", "Appointment"},
      {"id", appointment_id},
      {"status", "booked"},
      {"start", kScheduledAt},
      {"end", std::string(kDay) + "T09:30:00Z"},
      {"participant",
       {{{"actor", {{"reference", FhirPeer::kDemoPatient}}}, {"status", "accepted"}},
        {{"actor", {{"reference", FhirPeer::kDemoPractitioner}}}, {"status", "accepted"}}}}};
  if (s.hub().fhir_peer() == nullptr) return nullptr;
  auto stored = s.hub().fhir_peer()->seed({}, json::array({appointment}));
  EXPECT_TRUE(stored.ok()) << stored.error().message;
  json trigger = {{"scheduled_at", kScheduledAt}, {"appointment_id", appointment_id}};
  if (!notes.empty()) trigger["notes"] = notes;
  const std::string id = s.start(facility, name, trigger);
  if (id.empty()) return nullptr;
  return s.wait_for_run_end(facility, id, kReportDeadline);
}

// The files reporting.moh wrote for the `report` step of a succeeded run
// (its receipt's raw.files), or empty with a test failure.
json files_of(const json& timeline) {
  if (!timeline.is_object()) {
    ADD_FAILURE() << "the run did not start";
    return json::array();
  }
  EXPECT_EQ(timeline.value("status", std::string()), "succeeded") << timeline.dump(2);
  for (const auto& a : report_attempts_of(timeline, "report")) {
    if (a.value("status", std::string()) != "succeeded") continue;
    const json files = a["output"]["raw"].value("files", json::array());
    EXPECT_FALSE(files.empty()) << a.dump(2);
    return files;
  }
  ADD_FAILURE() << "no succeeded report step: " << timeline.dump(2);
  return json::array();
}

// The message Bundle the MOH peer received for the `report` step of a
// succeeded run (by its report id), as text; empty when none.
std::string received_bundle(SecurityHub& s, const json& timeline) {
  std::string report_id;
  for (const auto& a : report_attempts_of(timeline, "report")) {
    if (a.value("status", std::string()) == "succeeded") {
      report_id = a["output"]["raw"].value("report_id", std::string());
    }
  }
  EXPECT_FALSE(report_id.empty()) << timeline.dump(2);
  if (s.hub().moh_peer() == nullptr) return {};
  auto reports = s.hub().moh_peer()->get("/_peer/reports");
  EXPECT_TRUE(reports.ok()) << reports.error().message;
  if (!reports.ok()) return {};
  for (const auto& m : (*reports)["messages"]) {
    if (m.value("reportId", std::string()) == report_id) return m["bundle"].dump();
  }
  ADD_FAILURE() << "the MOH peer has no message of report " << report_id;
  return {};
}

std::string read_report_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// The names of the files in `dir` starting with `prefix`.
std::set<std::string> files_named(const std::string& dir, const std::string& prefix) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0) out.insert(name);
  }
  return out;
}

// Checks a per-consultation file of `facility` for consultation `id`.
void expect_deidentified_file(const std::string& dir, const std::string& path,
                              const std::string& facility, const std::string& consultation_id) {
  const std::filesystem::path file(path);
  EXPECT_EQ(file.parent_path(), std::filesystem::path(dir)) << path;
  EXPECT_EQ(file.filename().string(),
            facility + "_" + kDay + "_consultation-" + consultation_id + ".json");
  EXPECT_EQ(mode_of(path), 0600u) << path;
  const std::string text = read_report_file(path);
  ASSERT_FALSE(text.empty()) << path;
  const json bundle = json::parse(text, nullptr, false);
  ASSERT_TRUE(bundle.is_object()) << text;
  EXPECT_EQ(bundle.value("resourceType", std::string()), "Bundle") << text;
  EXPECT_NE(text.find(consultation_id), std::string::npos) << "the file names its consultation";
  for (const char* id : kPatientIdentifiers) {
    EXPECT_EQ(text.find(id), std::string::npos) << path << " holds the patient's " << id;
  }
  for (const char* name : kPatientNames) {
    EXPECT_EQ(text.find(name), std::string::npos) << path << " holds the patient's name " << name;
  }
}

// B's run of `name` was refused at its report step: one attempt,
// permission_denied, one access.denied of B's for the run and none of A's.
void expect_report_refused(SecurityHub& s, const json& timeline, const std::string& reason) {
  ASSERT_TRUE(timeline.is_object()) << "the run did not start";
  EXPECT_EQ(timeline.value("status", std::string()), "failed") << timeline.dump(2);
  const json attempts = report_attempts_of(timeline, "report");
  ASSERT_EQ(attempts.size(), 1u) << timeline.dump(2);
  const json error = attempts[0].value("error", json::object());
  EXPECT_EQ(error.value("code", std::string()), "permission_denied") << attempts[0].dump();
  const std::string run_id = timeline.value("run_id", std::string());
  ASSERT_FALSE(run_id.empty()) << timeline.dump(2);
  int denied = 0;
  for (const auto& e : s.audit(SecurityHub::kB, "access.denied")) {
    if (!e["detail"].is_object() || e["detail"].value("run_id", std::string()) != run_id) continue;
    ++denied;
    EXPECT_EQ(e.value("facility_id", std::string()), SecurityHub::kB) << e.dump();
    EXPECT_EQ(e.value("outcome", std::string()), "denied") << e.dump();
    EXPECT_EQ(e.value("entity_type", std::string()), "facility") << e.dump();
    EXPECT_EQ(e["detail"].value("method", std::string()), "reporting.submit_report") << e.dump();
    EXPECT_EQ(e["detail"].value("reason", std::string()), reason) << e.dump();
  }
  EXPECT_EQ(denied, 1) << "B's auditor sees one access.denied for the run";
  for (const auto& e : s.audit(SecurityHub::kA, "access.denied")) {
    if (e["detail"].is_object()) {
      EXPECT_NE(e["detail"].value("run_id", std::string()), run_id) << "B's refusal is B's event";
    }
  }
}

TEST(ReportFiles, FilesHoldNoPatientIdentifiersAndNoFacilityWritesInAnothersName) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string dir = s.hub().moh_file_drop_dir();

  // Each facility reports its own consultation.
  const std::string plain =
      report_workflow("sec-07-report", "    with: ${steps.report_body.output}\n");
  const json a_run = run(s, SecurityHub::kA, "sec-07-report", plain);
  const json b_run = run(s, SecurityHub::kB, "sec-07-report", plain);
  const json a_files = files_of(a_run);
  const json b_files = files_of(b_run);
  ASSERT_EQ(a_files.size(), 1u) << a_files;
  ASSERT_EQ(b_files.size(), 1u) << b_files;
  const std::string a_id = a_run.value("consultation_id", std::string());
  const std::string b_id = b_run.value("consultation_id", std::string());
  EXPECT_EQ(mode_of(dir), 0700u) << dir;
  expect_deidentified_file(dir, a_files[0], SecurityHub::kA, a_id);
  expect_deidentified_file(dir, b_files[0], SecurityHub::kB, b_id);
  // The receiver got both by HTTPS, with the national id.
  for (const json* timeline : {&a_run, &b_run}) {
    const std::string bundle = received_bundle(s, *timeline);
    EXPECT_NE(bundle.find(kPatientIdentifiers[0]), std::string::npos) << bundle;
  }

  // B reports in A's name: by the submit's facility_id, then by A's facility
  // and consultation in the body (whose file name would be A's file's).
  const std::string a_bytes = read_report_file(a_files[0]);
  const std::set<std::string> a_names = files_named(dir, std::string(SecurityHub::kA) + "_");
  const json by_id = run(s, SecurityHub::kB, "sec-07-spoof-id",
                         report_workflow("sec-07-spoof-id", kSubmitAsAById));
  expect_report_refused(s, by_id, "facility_id is not the run's facility");
  const json by_body = run(s, SecurityHub::kB, "sec-07-spoof-body",
                           report_workflow("sec-07-spoof-body", kSubmitAsAByBody), a_id);
  expect_report_refused(s, by_body, "body.facility.id is not the run's facility's");
  EXPECT_EQ(read_report_file(a_files[0]), a_bytes) << "A's report file changed";
  EXPECT_EQ(files_named(dir, std::string(SecurityHub::kA) + "_"), a_names)
      << "a file was written in A's name";

  // B's aggregate of the day, one of whose consultations has a formula for
  // a specialty: the CSV cell is text.
  const json aggregate = run(s, SecurityHub::kB, "sec-07-aggregate", kAggregateWorkflow, kFormula);
  const json aggregate_files = files_of(aggregate);
  std::string csv;
  for (const auto& f : aggregate_files) {
    const std::string path = f.get<std::string>();
    if (path.size() > 4 && path.substr(path.size() - 4) == ".csv") csv = read_report_file(path);
    EXPECT_EQ(mode_of(path), 0600u) << path;
  }
  ASSERT_FALSE(csv.empty()) << aggregate_files;
  // The cell, apostrophe first, quoted as CSV quotes a cell holding '"'.
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"http://x\"\")\","), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",\"=HYPERLINK"), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",=HYPERLINK"), std::string::npos) << csv;
}

}  // namespace
}  // namespace wasl::testing
