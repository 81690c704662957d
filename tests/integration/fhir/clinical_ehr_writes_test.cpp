// The consultation's clinical record written to the EHR by the hub's
// actions (hub/clinical/ehr_record_writes.hpp), through the real FHIR plugin
// loaded by the PluginHost, against the FHIR R4 peer (which validates every
// write), on SQLite and PostgreSQL: the latest signed note version, the
// signed prescriptions (a cancelled one marked cancelled when written, left
// out when not), the vital signs; a rerun writes nothing twice, also after
// the process was killed with SIGKILL between the EHR's answer and the
// record of it; an EHR refusing one resource leaves the others written; a
// plugin built for SDK 1.6 answers "not supported by this EHR".
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <chrono>
#include <thread>

#include "hub/audit/audit_writer.hpp"
#include "hub/clinical/ehr_record_writes.hpp"
#include "hub/clinical/note_store.hpp"
#include "hub/clinical/observation_store.hpp"
#include "hub/clinical/prescription_store.hpp"
#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/peers/fhir/fhir_peer.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::clinical {
namespace {

using nlohmann::json;
using records::testing::kFacilityA;
using records::testing::RecordsDatabaseTest;
using wasl::testing::FhirPeer;
using wasl::testing::FhirPeerOptions;

constexpr const char* kConsultation = "c-1";
constexpr const char* kPatient = "fatimah-alzahrani";
constexpr const char* kPractitioner = "Practitioner/khalid-alharbi";

// Forwards to `inner`, and kills this process with SIGKILL as soon as a
// write has been answered: the EHR holds the resource, the hub has not
// recorded it. Test double.
class KillAfterWriteEhr final : public sdk::EhrConnector {
 public:
  explicit KillAfterWriteEhr(std::shared_ptr<sdk::EhrConnector> inner) : inner_(std::move(inner)) {}
  sdk::Result<sdk::PatientSummary> read_patient(const sdk::ResourceRef& r) override {
    return inner_->read_patient(r);
  }
  sdk::Result<sdk::PractitionerSummary> read_practitioner(const sdk::ResourceRef& r) override {
    return inner_->read_practitioner(r);
  }
  sdk::Result<sdk::Appointment> read_appointment(const sdk::ResourceRef& r) override {
    return inner_->read_appointment(r);
  }
  sdk::Result<sdk::Coverage> read_coverage(const sdk::CoverageRequest& r) override {
    return inner_->read_coverage(r);
  }
  sdk::Result<sdk::Appointment> update_appointment_status(
      const sdk::AppointmentStatusUpdate& u) override {
    return inner_->update_appointment_status(u);
  }
  sdk::Result<sdk::ResourceCreated> create_encounter(const sdk::EncounterRequest& r) override {
    return inner_->create_encounter(r);
  }
  sdk::Result<sdk::ResourceCreated> attach_document(const sdk::DocumentRequest& r) override {
    return inner_->attach_document(r);
  }
  sdk::Result<sdk::ResourceCreated> write_note(const sdk::NoteWrite& n) override {
    auto written = inner_->write_note(n);
    if (written.ok()) ::kill(::getpid(), SIGKILL);
    return written;
  }
  sdk::Result<sdk::ResourceCreated> write_vital_signs(const sdk::VitalSignWrite& v) override {
    auto written = inner_->write_vital_signs(v);
    if (written.ok()) ::kill(::getpid(), SIGKILL);
    return written;
  }

 private:
  std::shared_ptr<sdk::EhrConnector> inner_;
};

class ClinicalEhrWritesTest : public RecordsDatabaseTest {
 protected:
  static void SetUpTestSuite() {
    FhirPeerOptions options;
    options.seed = {};
    auto peer = FhirPeer::start(options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value().release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }

  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    ASSERT_NE(peer_, nullptr);
    ASSERT_TRUE(peer_->reset().ok());
    ASSERT_TRUE(peer_->seed({"demo"}).ok());
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), keyring_->audit_key().view());
    config_.source_file = "wasl.yaml";
    config_.plugins.files = {
        {"fhir", WASL_FHIR_PLUGIN_FILE, "", 1},
        {"abi_1_6_ehr",
         (std::filesystem::path(WASL_PLUGIN_ABI_DIR) / "libwasl_abi_1_6_ehr.so").string(), "", 2}};
    add_instance("ehr.fhir-test", "fhir", {{"base_url", peer_->base_url()}, {"auth", "none"}}, 10);
    add_instance("ehr.old", "abi_1_6_ehr", json::object(), 20);
    plugin_host::PluginHostOptions options;
    options.state = &state_;
    auto host = plugin_host::PluginHost::load(config_, metrics_, options);
    ASSERT_TRUE(host.ok()) << host.error().message;
    plugins_ = std::move(host).value();
    ASSERT_TRUE(register_actions(actions_, [this](const std::string& instance) {
                  return plugins_->ehr(instance);
                }).ok());
  }

  void add_instance(const std::string& name, const std::string& plugin, json settings, int line) {
    config::InstanceConfig instance;
    instance.name = name;
    instance.plugin = plugin;
    instance.settings = std::move(settings);
    instance.line = line;
    config_.instances[name] = instance;
  }

  sdk::Status register_actions(
      workflow::HubActions& actions,
      std::function<sdk::Result<std::shared_ptr<sdk::EhrConnector>>(const std::string&)> ehr_of) {
    ClinicalEhrServices services;
    services.cipher = cipher_.get();
    services.audit = audit_.get();
    services.ehr_of = std::move(ehr_of);
    return add_clinical_ehr_writes(actions, std::move(services));
  }

  workflow::HubActionContext context(storage::Store& store,
                                     const std::string& instance = "ehr.fhir-test") const {
    workflow::HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = kFacilityA;
    ctx.consultation_id = kConsultation;
    ctx.workflow = "consultation";
    ctx.step_id = "notes_to_ehr";
    ctx.idempotency_key = "run-1/notes_to_ehr";
    ctx.now_ms = 1'700'002'000'000;
    ctx.bindings = {{"ehr", instance}};
    ctx.store = &store;
    return ctx;
  }

  sdk::Result<json> call(workflow::HubActions& actions, std::string_view name,
                         storage::Store& store, const std::string& instance = "ehr.fhir-test") {
    const auto* entry = actions.find(std::string(name));
    if (entry == nullptr) return sdk::Error(sdk::ErrorCode::kNotFound, "no such action");
    return entry->action(context(store, instance), json{{"patient_id", kPatient}});
  }
  sdk::Result<json> call(std::string_view name, const std::string& instance = "ehr.fhir-test") {
    return call(actions_, name, *store_, instance);
  }

  // ---- the consultation's record ----
  void add_note(const std::string& id, std::int64_t version, std::optional<std::string> amends,
                bool sign, const std::string& text) {
    NoteStore notes(*cipher_);
    ClinicalNote n;
    n.id = id;
    n.facility_id = kFacilityA;
    n.consultation_id = kConsultation;
    n.version = version;
    n.amends = std::move(amends);
    n.language = Language::kArabic;
    n.content.assessment = "صداع توتري";
    n.content.text = text;
    n.author = {"apikey:k1", kPractitioner};
    n.created_at = 10 + version;
    n.updated_at = 10 + version;
    auto tx = begin();
    ASSERT_TRUE(notes.insert(*tx, n).ok());
    if (sign) ASSERT_TRUE(notes.sign(*tx, kFacilityA, kConsultation, id, 20 + version).ok());
    ASSERT_OK(tx->commit());
  }
  void add_prescription(const std::string& id, bool sign, bool cancel) {
    PrescriptionStore store(*cipher_);
    Prescription p;
    p.id = id;
    p.facility_id = kFacilityA;
    p.consultation_id = kConsultation;
    p.language = Language::kEnglish;
    p.details.medication_system = "http://www.whocc.no/atc";
    p.details.medication_code = "N02BE01";
    p.details.medication_text = "Paracetamol 500 mg tablet";
    p.details.dose = "500 mg";
    p.details.route = "oral";
    p.details.frequency = "every 8 hours";
    p.details.duration = "5 days";
    p.details.quantity = 15;
    p.details.quantity_unit = "tablet";
    p.details.instructions = "One tablet after meals";
    p.author = {"apikey:k1", kPractitioner};
    p.created_at = 30;
    p.updated_at = 30;
    auto tx = begin();
    ASSERT_TRUE(store.insert(*tx, p).ok());
    if (sign) ASSERT_TRUE(store.sign(*tx, kFacilityA, kConsultation, id, 31).ok());
    if (cancel) {
      ASSERT_TRUE(store.cancel(*tx, kFacilityA, kConsultation, id, "apikey:k1", "wrong", 32).ok());
    }
    ASSERT_OK(tx->commit());
  }
  void cancel_prescription(const std::string& id) {
    PrescriptionStore store(*cipher_);
    auto tx = begin();
    ASSERT_TRUE(store.cancel(*tx, kFacilityA, kConsultation, id, "apikey:k1", "wrong", 40).ok());
    ASSERT_OK(tx->commit());
  }
  void add_vital(const std::string& id, VitalKind kind, const std::string& code,
                 const std::string& unit, std::optional<double> value,
                 std::optional<double> systolic = std::nullopt,
                 std::optional<double> diastolic = std::nullopt) {
    ObservationStore store(*cipher_);
    VitalObservation o;
    o.id = id;
    o.facility_id = kFacilityA;
    o.consultation_id = kConsultation;
    o.kind = kind;
    o.code = code;
    o.reported_by = Reporter::kPatient;
    o.posted_by = {"apikey:h1", std::nullopt};
    o.value = {unit, value, systolic, diastolic};
    o.effective_at = 1'700'000'500'000;
    o.created_at = 100;
    auto tx = begin();
    ASSERT_TRUE(store.insert(*tx, o).ok());
    ASSERT_OK(tx->commit());
  }

  // The peer's resources of `type` carrying the key of `item`'s version.
  static std::vector<json> in_ehr(const std::string& type, const std::string& kind,
                                  const std::string& item, std::int64_t version = 1) {
    const std::string key = "wasl/" + kind + "/" + item + "/v" + std::to_string(version);
    std::vector<json> out;
    auto all = peer_->resources(type);
    EXPECT_TRUE(all.ok()) << all.error().message;
    if (!all.ok()) return out;
    for (const auto& r : *all) {
      for (const auto& id : r.value("identifier", json::array())) {
        if (id.value("value", "") == key) out.push_back(r);
      }
    }
    return out;
  }
  static std::size_t count(const std::string& type) {
    auto all = peer_->resources(type);
    return all.ok() ? all->size() : 0;
  }
  std::string state_of(const std::string& item) {
    auto rows = query_raw("SELECT state FROM clinical_ehr_writes WHERE item_id = $1", {item});
    return rows.empty() ? "" : rows.front().get_text(0).value_or("");
  }

  static FhirPeer* peer_;
  std::unique_ptr<audit::AuditWriter> audit_;
  config::Config config_;
  observability::Metrics metrics_;
  plugin_host::InMemoryStateStore state_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  workflow::HubActions actions_;
};
FhirPeer* ClinicalEhrWritesTest::peer_ = nullptr;

TEST_P(ClinicalEhrWritesTest, EachKindIsWrittenOnceAndARerunWritesNothing) {
  add_note("n-1", 1, std::nullopt, true, "first version");
  add_note("n-2", 2, "n-1", true, "amended version");  // the latest: only it is written
  add_note("n-3", 1, std::nullopt, false, "a draft stays out");
  add_prescription("rx-1", true, false);
  add_prescription("rx-2", false, false);  // a draft stays out
  add_prescription("rx-3", true, true);    // cancelled before it was written: stays out
  add_vital("o-1", VitalKind::kHeartRate, "8867-4", "/min", 72.0);
  add_vital("o-2", VitalKind::kBloodPressure, "85354-9", "mm[Hg]", std::nullopt, 128.0, 82.0);

  auto notes = call(kWriteNotesAction);
  ASSERT_TRUE(notes.ok()) << notes.error().message;
  EXPECT_EQ((*notes)["written"], 1);
  auto rx = call(kWritePrescriptionsAction);
  ASSERT_TRUE(rx.ok()) << rx.error().message;
  EXPECT_EQ((*rx)["written"], 1);
  auto vitals = call(kWriteVitalsAction);
  ASSERT_TRUE(vitals.ok()) << vitals.error().message;
  EXPECT_EQ((*vitals)["written"], 2);

  auto note = in_ehr("DocumentReference", "note", "n-2", 2);
  ASSERT_EQ(note.size(), 1u);
  EXPECT_EQ(note[0]["docStatus"], "amended");
  EXPECT_EQ(note[0]["subject"]["reference"], std::string("Patient/") + kPatient);
  EXPECT_TRUE(in_ehr("DocumentReference", "note", "n-1").empty());
  EXPECT_EQ(in_ehr("MedicationRequest", "prescription", "rx-1").size(), 1u);
  EXPECT_EQ(count("MedicationRequest"), 1u);
  auto bp = in_ehr("Observation", "observation", "o-2");
  ASSERT_EQ(bp.size(), 1u);
  EXPECT_EQ(bp[0]["component"][0]["valueQuantity"]["value"], 128.0);
  EXPECT_EQ(in_ehr("Observation", "observation", "o-1").size(), 1u);
  EXPECT_EQ(state_of("n-2"), "written");
  EXPECT_EQ(state_of("rx-3"), "");
  // The audit trail names items and resources, never what they say.
  const std::string trail =
      raw_bytes("SELECT action, detail FROM audit_events WHERE action = 'ehr.write' ORDER BY seq");
  EXPECT_NE(trail.find("DocumentReference"), std::string::npos);
  EXPECT_EQ(trail.find("amended version"), std::string::npos);
  EXPECT_EQ(trail.find("Paracetamol"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'ehr.write'"), 4);

  // Rerun every step: nothing new in the EHR, nothing new audited.
  for (auto action : {kWriteNotesAction, kWritePrescriptionsAction, kWriteVitalsAction}) {
    auto again = call(action);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ((*again)["written"], 0) << action;
  }
  EXPECT_EQ(count("DocumentReference"), 1u);
  EXPECT_EQ(count("MedicationRequest"), 1u);
  EXPECT_EQ(count("Observation"), 2u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'ehr.write'"), 4);

  // A prescription cancelled after it was written is marked cancelled there.
  cancel_prescription("rx-1");
  auto cancelled = call(kWritePrescriptionsAction);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  auto stored = in_ehr("MedicationRequest", "prescription", "rx-1");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]["status"], "cancelled");
  EXPECT_EQ(state_of("rx-1"), "cancelled");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'ehr.cancel'"), 1);

  // An amendment signed later is a new resource replacing the one written.
  add_note("n-4", 3, "n-2", true, "third version");
  auto amended = call(kWriteNotesAction);
  ASSERT_TRUE(amended.ok()) << amended.error().message;
  auto third = in_ehr("DocumentReference", "note", "n-4", 3);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0]["relatesTo"][0]["target"]["reference"],
            "DocumentReference/" + note[0]["id"].get<std::string>());
}

// kill -9 between the EHR's answer and the hub's record of it: the rerun
// finds the claimed key, writes with it again, and the EHR's conditional
// create answers the first resource. One resource per item.
TEST_P(ClinicalEhrWritesTest, AKillNineMidWriteLeavesOneResourceEachAfterTheRerun) {
  add_note("n-1", 1, std::nullopt, true, "note text");
  add_vital("o-1", VitalKind::kHeartRate, "8867-4", "/min", 72.0);
  for (auto action : {kWriteNotesAction, kWriteVitalsAction}) {
    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
      // The child: its own store connections, its own actions; dies in the write.
      auto store = db_->open();
      if (!store.ok()) ::_exit(3);
      workflow::HubActions actions;
      auto added = register_actions(
          actions,
          [this](const std::string& instance) -> sdk::Result<std::shared_ptr<sdk::EhrConnector>> {
            WASL_ASSIGN_OR_RETURN(auto ehr, plugins_->ehr(instance));
            return std::shared_ptr<sdk::EhrConnector>(
                std::make_shared<KillAfterWriteEhr>(std::move(ehr)));
          });
      if (!added.ok()) ::_exit(4);
      (void)call(actions, action, **store);
      ::_exit(5);  // not reached when the write succeeded
    }
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    pid_t done = 0;
    while ((done = ::waitpid(child, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(done, child) << "the child did not end within 30 s";
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
    ASSERT_EQ(WTERMSIG(status), SIGKILL);
  }
  ASSERT_EQ(in_ehr("DocumentReference", "note", "n-1").size(), 1u);
  ASSERT_EQ(in_ehr("Observation", "observation", "o-1").size(), 1u);
  EXPECT_EQ(state_of("n-1"), "claimed");
  EXPECT_EQ(state_of("o-1"), "claimed");

  for (auto action : {kWriteNotesAction, kWriteVitalsAction}) {
    auto rerun = call(action);
    ASSERT_TRUE(rerun.ok()) << rerun.error().message;
  }
  EXPECT_EQ(in_ehr("DocumentReference", "note", "n-1").size(), 1u);
  EXPECT_EQ(in_ehr("Observation", "observation", "o-1").size(), 1u);
  EXPECT_EQ(count("DocumentReference"), 1u);
  EXPECT_EQ(count("Observation"), 1u);
  EXPECT_EQ(state_of("n-1"), "written");
  EXPECT_EQ(state_of("o-1"), "written");
}

// The EHR refuses one vital sign (422): the other vital sign, the note and
// the prescription are written; the vitals step fails, not retryable, saying
// how many were refused; its rerun writes the one refused.
TEST_P(ClinicalEhrWritesTest, OneRefusedResourceLeavesTheOthersWritten) {
  add_note("n-1", 1, std::nullopt, true, "note text");
  add_prescription("rx-1", true, false);
  add_vital("o-1", VitalKind::kHeartRate, "8867-4", "/min", 72.0);
  add_vital("o-2", VitalKind::kBodyTemperature, "8310-5", "Cel", 37.2);
  ASSERT_TRUE(peer_->fault({{"operation", "create Observation"}, {"status", 422}}).ok());
  auto vitals = call(kWriteVitalsAction);
  ASSERT_FALSE(vitals.ok());
  EXPECT_FALSE(vitals.error().retryable);
  EXPECT_NE(vitals.error().message.find("1 of 2 vital signs not written"), std::string::npos)
      << vitals.error().message;
  EXPECT_EQ(count("Observation"), 1u);
  ASSERT_TRUE(call(kWriteNotesAction).ok());
  ASSERT_TRUE(call(kWritePrescriptionsAction).ok());
  EXPECT_EQ(count("DocumentReference"), 1u);
  EXPECT_EQ(count("MedicationRequest"), 1u);

  auto rerun = call(kWriteVitalsAction);
  ASSERT_TRUE(rerun.ok()) << rerun.error().message;
  EXPECT_EQ((*rerun)["written"], 1);
  EXPECT_EQ(count("Observation"), 2u);
}

// A plugin built for SDK 1.6 has none of the writes: the step says so, and
// the plugin is not called.
TEST_P(ClinicalEhrWritesTest, AnOlderPluginIsNotSupportedByThisEhr) {
  add_note("n-1", 1, std::nullopt, true, "note text");
  add_prescription("rx-1", true, false);
  add_vital("o-1", VitalKind::kHeartRate, "8867-4", "/min", 72.0);
  for (auto action : {kWriteNotesAction, kWritePrescriptionsAction, kWriteVitalsAction}) {
    auto refused = call(action, "ehr.old");
    ASSERT_FALSE(refused.ok()) << action;
    EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnimplemented);
    EXPECT_FALSE(refused.error().retryable);
    EXPECT_NE(refused.error().message.find("is not supported by this EHR"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("ehr.old"), std::string::npos);
  }
}

WASL_RECORDS_INSTANTIATE(ClinicalEhrWritesTest);

}  // namespace
}  // namespace wasl::clinical
