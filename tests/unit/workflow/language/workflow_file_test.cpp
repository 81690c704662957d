#include "hub/workflow/language/workflow_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "hub/crypto/digest.hpp"

namespace wasl::workflow {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kWorkflows = std::string(WASL_SOURCE_DIR) + "/workflows/";

TEST(WorkflowFile, ShippedConsultationValidates) {
  WorkflowParse parsed = validate_workflow_file(kWorkflows + "consultation.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.describe();
  const WorkflowDefinition& d = *parsed.definition;
  EXPECT_EQ(d.name, "consultation");
  EXPECT_EQ(d.version, 1);
  EXPECT_EQ(d.trigger.kind, TriggerKind::kApi);
  EXPECT_EQ(d.trigger.consultation_type, "standard");
  EXPECT_EQ(d.steps.front().call, "ehr.read_appointment");
  EXPECT_EQ(d.steps.back().call, "reporting.submit_report");
  // The patient's arrival decides the rest: an absent patient ends the
  // room, the appointment is noshow and the consultation no_show; every
  // step of a held session is guarded on the `ended` step.
  const Step* arrival = d.find_step("arrival");
  ASSERT_NE(arrival, nullptr);
  EXPECT_EQ(arrival->kind, StepKind::kWaitFor);
  EXPECT_EQ(arrival->event, "patient.arrival");
  EXPECT_EQ(arrival->correlation, "${consultation.id}");
  ASSERT_NE(d.find_step("no_show"), nullptr);
  EXPECT_EQ(d.find_step("no_show")->with["status"], "no_show");
  EXPECT_EQ(d.find_step("no_show")->when->text(),
            "steps.arrival.output.payload.outcome == 'absent'");
  EXPECT_EQ(d.find_step("no_show_appointment")->with["status"], "noshow");
  EXPECT_EQ(d.find_step("no_show_room")->call, "video.end_room");
  EXPECT_EQ(d.find_step("clinician_no_show")->with["status"], "clinician_no_show");
  EXPECT_EQ(d.find_step("clinician_alert")->call, "hub.alert");
  for (const char* held : {"encounter", "archive", "recording_document", "report_body"}) {
    ASSERT_NE(d.find_step(held), nullptr) << held;
    ASSERT_TRUE(d.find_step(held)->when.has_value()) << held;
    EXPECT_EQ(d.find_step(held)->when->text().rfind("steps.ended.status == 'succeeded'", 0), 0u)
        << held;
  }
  // A room that recorded no media archives nothing (archive_id null): no
  // recording document then.
  EXPECT_EQ(d.find_step("recording_document")->when->text(),
            "steps.ended.status == 'succeeded' and exists(steps.archive.output.archive_id)");
  EXPECT_EQ(d.find_step("archive")->when->text(), "steps.ended.status == 'succeeded'");
  EXPECT_NE(d.find_step("claim")->when->text().find("steps.ended.status == 'succeeded'"),
            std::string::npos);
  EXPECT_EQ(d.find_step("encounter")->with["participants"],
            "${steps.attendance.output.participants}");
  const Step* ended = d.find_step("session_ended");
  ASSERT_NE(ended, nullptr);
  EXPECT_EQ(ended->kind, StepKind::kWaitFor);
  EXPECT_EQ(ended->event, "room.ended");
  EXPECT_EQ(ended->timeout, std::chrono::hours(12));
  EXPECT_EQ(ended->on_failure.action, FailureAction::kCompensate);
  EXPECT_EQ(ended->on_failure.compensation, "end_room");
  const Step* submit = d.find_step("claim_submitted");
  ASSERT_NE(submit, nullptr);
  EXPECT_EQ(submit->retry.max_attempts, 8);
  EXPECT_EQ(submit->retry.max_delay, std::chrono::minutes(10));
  EXPECT_EQ(submit->retry.on.size(), 4u);
  // After completion, the patient's visit summary (waiting about a day for
  // the note to be signed), and its PDF attached to the record.
  const Step* summary = d.find_step("visit_summary");
  ASSERT_NE(summary, nullptr);
  EXPECT_EQ(summary->call, "hub.build_visit_summary");
  EXPECT_EQ(summary->when->text(), "steps.completed.status == 'succeeded'");
  EXPECT_EQ(summary->on_failure.action, FailureAction::kContinue);
  EXPECT_EQ(summary->retry.on, (std::vector<sdk::ErrorCode>{sdk::ErrorCode::kFailedPrecondition}));
  const Step* document = d.find_step("visit_summary_document");
  ASSERT_NE(document, nullptr);
  EXPECT_EQ(document->call, "ehr.attach_document");
  EXPECT_EQ(document->with["url"], "${steps.visit_summary.output.url}");
  EXPECT_EQ(document->with["sha256_hex"], "${steps.visit_summary.output.sha256_hex}");
  ASSERT_NE(d.find_compensation("end_room"), nullptr);
  EXPECT_EQ(d.find_compensation("end_room")->then, "cancelled");
  EXPECT_EQ(d.checksum, crypto::sha256_hex(read(kWorkflows + "consultation.yaml")));
  EXPECT_EQ(roles_used(d), (std::set<std::string>{"billing", "ehr", "reporting", "video"}));
}

TEST(WorkflowFile, ShippedDailyReportIsScheduled) {
  WorkflowParse parsed = validate_workflow_file(kWorkflows + "moh_daily_report.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.describe();
  const WorkflowDefinition& d = *parsed.definition;
  EXPECT_EQ(d.trigger.kind, TriggerKind::kSchedule);
  EXPECT_EQ(d.trigger.every, "1d at 02:00");
  EXPECT_EQ(d.trigger.period, "day");
  EXPECT_TRUE(d.trigger.time_zone.empty());  // each facility's reporting time zone
  EXPECT_EQ(d.steps.front().call, "hub.build_report");
  EXPECT_EQ(d.steps.front().with["kind"], "aggregate");
  EXPECT_EQ(d.steps.back().call, "reporting.submit_report");
  EXPECT_EQ(roles_used(d), (std::set<std::string>{"reporting"}));
}

TEST(WorkflowFile, ShippedMonthlyReportIsScheduledForTheMonthBefore) {
  WorkflowParse parsed = validate_workflow_file(kWorkflows + "moh_monthly_report.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.describe();
  const WorkflowDefinition& d = *parsed.definition;
  EXPECT_EQ(d.trigger.kind, TriggerKind::kSchedule);
  EXPECT_EQ(d.trigger.every, "1mo at 03:00");
  EXPECT_EQ(d.trigger.period, "month");
  EXPECT_EQ(d.steps.front().call, "hub.build_report");
  EXPECT_EQ(d.steps.front().with["kind"], "aggregate");
  EXPECT_EQ(d.steps.back().call, "reporting.submit_report");
  EXPECT_EQ(roles_used(d), (std::set<std::string>{"reporting"}));
}

TEST(WorkflowFile, ShippedEmergencyValidates) {
  WorkflowParse parsed = validate_workflow_file(kWorkflows + "emergency.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.describe();
  const WorkflowDefinition& d = *parsed.definition;
  EXPECT_EQ(d.name, "emergency");
  EXPECT_EQ(d.trigger.consultation_type, "emergency");
  EXPECT_EQ(d.steps.front().call, "video.create_room");
  EXPECT_EQ(d.steps.front().with["participant_limit"], 8);
  // Eligibility comes after the session has ended.
  std::size_t session = 0, eligibility = 0;
  for (std::size_t i = 0; i < d.steps.size(); ++i) {
    if (d.steps[i].id == "session_ended") session = i;
    if (d.steps[i].call == "billing.check_eligibility") eligibility = i;
  }
  EXPECT_GT(eligibility, session);
  // A facility that bills in batches queues the claim; the others send it.
  std::map<std::string, std::string> when;
  for (const auto& s : d.steps) {
    if (s.when) when[s.id] = s.when->text();
  }
  EXPECT_NE(when["claim_submitted"].find("submission != 'batch'"), std::string::npos);
  EXPECT_NE(when["claim_queued"].find("submission == 'batch'"), std::string::npos);
  EXPECT_NE(when["billed"].find("claim_queued"), std::string::npos);
}

TEST(WorkflowFile, ValidateFilesReportsEachFile) {
  std::ostringstream out, err;
  EXPECT_EQ(
      validate_files({kWorkflows + "consultation.yaml", kWorkflows + "emergency.yaml"}, out, err),
      0);
  EXPECT_NE(out.str().find("consultation.yaml: ok (consultation v1,"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("emergency.yaml: ok (emergency v1,"), std::string::npos);
  EXPECT_EQ(err.str(), "");
}

TEST(WorkflowFile, ValidateFilesFailsOnABadFileAndAMissingOne) {
  const std::string bad = std::string(WASL_BINARY_DIR) + "/workflow_file_test_bad.yaml";
  {
    std::ofstream f(bad);
    f << "name: x\nversion: 1\ntrigger: {kind: api}\nsteps:\n  - id: a\n    call: video.nope\n";
  }
  std::ostringstream out, err;
  EXPECT_EQ(validate_files({kWorkflows + "emergency.yaml", bad, "/nonexistent/w.yaml"}, out, err),
            1);
  EXPECT_NE(err.str().find(bad + ":6: step 'a': the video role has no method 'nope'"),
            std::string::npos)
      << err.str();
  EXPECT_NE(err.str().find("/nonexistent/w.yaml: cannot read the workflow file: "),
            std::string::npos)
      << err.str();
  EXPECT_NE(out.str().find("emergency.yaml: ok"), std::string::npos);
}

TEST(WorkflowFile, ValidateFilesNeedsAFile) {
  std::ostringstream out, err;
  EXPECT_EQ(validate_files({}, out, err), 1);
  EXPECT_NE(err.str().find("name at least one workflow file"), std::string::npos);
}

TEST(WorkflowFile, LoadWorkflowJoinsAllProblems) {
  auto r = load_workflow("name: x\nsteps: []\n", "w.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(r.error().message,
            "w.yaml:1: missing version (a whole number, e.g. version: 1)\n"
            "w.yaml:1: missing trigger (e.g. trigger: {kind: api})\n"
            "w.yaml:2: steps is empty; a workflow needs at least one step");
}

TEST(WorkflowFile, ChecksumIsOfTheExactText) {
  const std::string a =
      "name: x\nversion: 1\ntrigger: {kind: api}\nsteps:\n"
      "  - {id: s, call: hub.set_status, with: {status: waiting}}\n";
  const std::string b = a + "# a comment\n";
  auto pa = load_workflow(a, "a.yaml");
  auto pb = load_workflow(b, "b.yaml");
  ASSERT_TRUE(pa.ok()) << pa.error().message;
  ASSERT_TRUE(pb.ok()) << pb.error().message;
  EXPECT_EQ(pa->checksum, crypto::sha256_hex(a));
  EXPECT_NE(pa->checksum, pb->checksum);
  EXPECT_EQ(pa->checksum.size(), 64u);
  // The canonical form ignores comments and layout.
  EXPECT_EQ(canonical_text(*pa), canonical_text(*pb));
}

}  // namespace
}  // namespace wasl::workflow
