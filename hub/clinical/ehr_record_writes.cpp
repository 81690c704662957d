#include "hub/clinical/ehr_record_writes.hpp"

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "hub/audit/audit_event.hpp"
#include "hub/clinical/ehr_write_store.hpp"
#include "hub/clinical/note_store.hpp"
#include "hub/clinical/observation_store.hpp"
#include "hub/clinical/prescription_store.hpp"
#include "hub/workflow/run_bindings.hpp"

namespace wasl::clinical {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

// One item version to bring into the EHR, and how.
struct Pending {
  EhrWrite row;         // facility, consultation, kind, item, version, key
  bool cancel = false;  // a written prescription to mark cancelled
  std::function<Result<sdk::ResourceCreated>(sdk::EhrConnector&, const EhrWrite&)> call;
};

// What one action run did, for its output and its error.
struct Tally {
  int written = 0;
  int unchanged = 0;
  int refused = 0;
  bool all_retryable = true;
  std::optional<Error> first_error;
  json items = json::array();
};

std::string practitioner_id_of(const std::optional<std::string>& practitioner) {
  if (!practitioner) return {};
  const auto slash = practitioner->find('/');
  return slash == std::string::npos ? *practitioner : practitioner->substr(slash + 1);
}

std::string key_of(EhrItemKind kind, const std::string& id, std::int64_t version) {
  return "wasl/" + std::string(to_string(kind)) + "/" + id + "/v" + std::to_string(version);
}

// The note as the text written to the EHR: its sections under their
// headings in the note's language, then the free text.
std::string note_text(const ClinicalNote& note) {
  const bool ar = note.language == Language::kArabic;
  const std::pair<const char*, const std::string*> sections[] = {
      {ar ? "الشكوى والتاريخ" : "Subjective", &note.content.subjective},
      {ar ? "الفحص" : "Objective", &note.content.objective},
      {ar ? "التقييم" : "Assessment", &note.content.assessment},
      {ar ? "الخطة" : "Plan", &note.content.plan}};
  std::string out;
  for (const auto& [heading, body] : sections) {
    if (body->empty()) continue;
    if (!out.empty()) out += "\n\n";
    out += std::string(heading) + ":\n" + *body;
  }
  if (!note.content.text.empty()) {
    if (!out.empty()) out += "\n\n";
    out += note.content.text;
  }
  return out;
}

class ClinicalEhrWriter {
 public:
  explicit ClinicalEhrWriter(ClinicalEhrServices services) : services_(std::move(services)) {}

  Result<json> write_notes(const workflow::HubActionContext& ctx, const json& input) const;
  Result<json> write_prescriptions(const workflow::HubActionContext& ctx, const json& input) const;
  Result<json> write_vitals(const workflow::HubActionContext& ctx, const json& input) const;

 private:
  struct Target {
    std::string instance;
    std::shared_ptr<sdk::EhrConnector> ehr;
    std::string patient_id;
    std::string encounter_id;
  };
  Result<Target> target(const workflow::HubActionContext& ctx, const json& input) const;
  Result<json> run(const workflow::HubActionContext& ctx, const Target& target,
                   std::vector<Pending> pending, std::string_view what) const;
  Status settle(const workflow::HubActionContext& ctx, const Target& target, const Pending& p,
                EhrWriteState state, const std::optional<sdk::ResourceCreated>& created) const;

  ClinicalEhrServices services_;
  EhrWriteStore writes_;
};

Result<ClinicalEhrWriter::Target> ClinicalEhrWriter::target(const workflow::HubActionContext& ctx,
                                                            const json& input) const {
  if (ctx.consultation_id.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the run has no consultation: there is no clinical record to write", false);
  }
  Target t;
  auto text = [&input](const char* name) {
    auto it = input.find(name);
    return it != input.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  t.patient_id = text("patient_id");
  t.encounter_id = text("encounter_id");
  if (t.patient_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "patient_id (the EHR's patient id) is required",
                 false);
  }
  t.instance = workflow::bound_instance(ctx.bindings, {}, "ehr");
  if (t.instance.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "facility '" + ctx.facility_id + "' has no 'ehr' binding in the config", false);
  }
  WASL_ASSIGN_OR_RETURN(t.ehr, services_.ehr_of(t.instance));
  return t;
}

Status ClinicalEhrWriter::settle(const workflow::HubActionContext& ctx, const Target& target,
                                 const Pending& p, EhrWriteState state,
                                 const std::optional<sdk::ResourceCreated>& created) const {
  WASL_ASSIGN_OR_RETURN(auto tx, ctx.store->begin(storage::TxMode::kReadWrite));
  std::optional<std::string> type;
  std::optional<std::string> id;
  if (created) {
    type = created->resource_type.empty() ? std::optional<std::string>() : created->resource_type;
    id = created->id;
  }
  WASL_RETURN_IF_ERROR(writes_.settle(*tx, p.row, state, type, id, ctx.now_ms));
  audit::AuditEvent event;
  event.actor = "system";
  event.facility_id = ctx.facility_id;
  event.action = p.cancel ? "ehr.cancel" : "ehr.write";
  event.entity_type = "clinical_" + std::string(to_string(p.row.kind));
  event.entity_id = p.row.item_id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  json detail = {{"consultation_id", ctx.consultation_id},
                 {"instance", target.instance},
                 {"version", p.row.item_version},
                 {"run_id", ctx.run_id}};
  if (type) detail["resource_type"] = *type;
  if (id) detail["resource_id"] = *id;
  event.detail = detail.dump();
  auto appended = services_.audit->append(*tx, event);
  if (!appended.ok()) return appended.error();
  return tx->commit();
}

Result<json> ClinicalEhrWriter::run(const workflow::HubActionContext& ctx, const Target& target,
                                    std::vector<Pending> pending, std::string_view what) const {
  Tally tally;
  for (Pending& p : pending) {
    // Claim the key before the call, in a transaction of its own.
    EhrWrite claimed;
    {
      WASL_ASSIGN_OR_RETURN(auto tx, ctx.store->begin(storage::TxMode::kReadWrite));
      p.row.ehr_instance = target.instance;
      p.row.claimed_at = ctx.now_ms;
      WASL_ASSIGN_OR_RETURN(claimed, writes_.claim(*tx, p.row));
      WASL_RETURN_IF_ERROR(tx->commit());
    }
    json item = {{"kind", std::string(to_string(p.row.kind))},
                 {"id", p.row.item_id},
                 {"version", p.row.item_version}};
    const bool done = p.cancel ? claimed.state == EhrWriteState::kCancelled
                               : claimed.state != EhrWriteState::kClaimed;
    if (done) {
      ++tally.unchanged;
      if (claimed.resource_type) item["resource_type"] = *claimed.resource_type;
      if (claimed.resource_id) item["resource_id"] = *claimed.resource_id;
      tally.items.push_back(std::move(item));
      continue;
    }
    const Target& where = target;
    Result<sdk::ResourceCreated> answer = p.call(*where.ehr, claimed);
    if (!answer.ok() && p.cancel && answer.error().code == ErrorCode::kNotFound) {
      // Claimed but never held by the EHR: nothing to cancel there.
      WASL_RETURN_IF_ERROR(settle(ctx, where, p, EhrWriteState::kCancelled, std::nullopt));
      ++tally.written;
      tally.items.push_back(std::move(item));
      continue;
    }
    if (!answer.ok()) {
      ++tally.refused;
      tally.all_retryable = tally.all_retryable && answer.error().retryable;
      if (!tally.first_error) tally.first_error = answer.error();
      item["error"] = std::string(sdk::to_string(answer.error().code));
      tally.items.push_back(std::move(item));
      continue;
    }
    WASL_RETURN_IF_ERROR(settle(
        ctx, where, p, p.cancel ? EhrWriteState::kCancelled : EhrWriteState::kWritten, *answer));
    ++tally.written;
    item["resource_type"] = answer->resource_type;
    item["resource_id"] = answer->id;
    tally.items.push_back(std::move(item));
  }
  if (tally.first_error) {
    Error error = *tally.first_error;
    error.message = std::to_string(tally.refused) + " of " + std::to_string(pending.size()) + " " +
                    std::string(what) + " not written to the EHR (" +
                    std::to_string(tally.written + tally.unchanged) +
                    " written); the first: " + error.message;
    error.retryable = tally.all_retryable;
    return error;
  }
  return json{{"written", tally.written},
              {"unchanged", tally.unchanged},
              {"refused", tally.refused},
              {"items", std::move(tally.items)}};
}

Result<json> ClinicalEhrWriter::write_notes(const workflow::HubActionContext& ctx,
                                            const json& input) const {
  WASL_ASSIGN_OR_RETURN(Target t, target(ctx, input));
  std::vector<ClinicalNote> notes;
  std::vector<EhrWrite> rows;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, ctx.store->begin(storage::TxMode::kReadOnly));
    NoteStore store(*services_.cipher);
    WASL_ASSIGN_OR_RETURN(notes, store.list(*tx, ctx.facility_id, ctx.consultation_id));
    WASL_ASSIGN_OR_RETURN(rows, writes_.list(*tx, ctx.facility_id, ctx.consultation_id));
  }
  // A signed version amended by a signed version is not the latest.
  std::set<std::string> superseded;
  std::map<std::string, const ClinicalNote*> by_id;
  for (const ClinicalNote& n : notes) {
    by_id[n.id] = &n;
    if (n.status == RecordStatus::kSigned && n.amends) superseded.insert(*n.amends);
  }
  // The EHR resource of each written note version, for an amendment's
  // replaces: the nearest earlier version in its chain that was written.
  std::map<std::string, std::string> resource_of;
  for (const EhrWrite& r : rows) {
    if (r.kind == EhrItemKind::kNote && r.state == EhrWriteState::kWritten && r.resource_id) {
      resource_of[r.item_id] = *r.resource_id;
    }
  }
  std::vector<Pending> pending;
  for (const ClinicalNote& n : notes) {
    if (n.status != RecordStatus::kSigned || superseded.count(n.id) != 0) continue;
    std::string replaces;
    for (auto prev = n.amends; prev && replaces.empty();) {
      if (auto it = resource_of.find(*prev); it != resource_of.end()) replaces = it->second;
      auto found = by_id.find(*prev);
      prev = found == by_id.end() ? std::nullopt : found->second->amends;
    }
    Pending p;
    p.row = {ctx.facility_id,    ctx.consultation_id,
             EhrItemKind::kNote, n.id,
             n.version,          key_of(EhrItemKind::kNote, n.id, n.version)};
    sdk::NoteWrite w;
    w.patient_id = t.patient_id;
    w.encounter_id = t.encounter_id;
    w.practitioner_id = practitioner_id_of(n.author.practitioner);
    w.language = std::string(to_string(n.language));
    w.title = n.language == Language::kArabic ? "ملاحظة الاستشارة" : "Consultation note";
    w.text = note_text(n);
    w.version = n.version;
    w.replaces_id = replaces;
    w.signed_at_ms = n.signed_at.value_or(n.updated_at);
    p.call = [w = std::move(w)](sdk::EhrConnector& ehr, const EhrWrite& row) mutable {
      w.idempotency_key = row.idempotency_key;
      return ehr.write_note(w);
    };
    pending.push_back(std::move(p));
  }
  return run(ctx, t, std::move(pending), "notes");
}

Result<json> ClinicalEhrWriter::write_prescriptions(const workflow::HubActionContext& ctx,
                                                    const json& input) const {
  WASL_ASSIGN_OR_RETURN(Target t, target(ctx, input));
  std::vector<Prescription> prescriptions;
  std::vector<EhrWrite> rows;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, ctx.store->begin(storage::TxMode::kReadOnly));
    PrescriptionStore store(*services_.cipher);
    WASL_ASSIGN_OR_RETURN(prescriptions, store.list(*tx, ctx.facility_id, ctx.consultation_id));
    WASL_ASSIGN_OR_RETURN(rows, writes_.list(*tx, ctx.facility_id, ctx.consultation_id));
  }
  std::set<std::string> claimed;
  for (const EhrWrite& r : rows) {
    if (r.kind == EhrItemKind::kPrescription) claimed.insert(r.item_id);
  }
  std::vector<Pending> pending;
  for (const Prescription& rx : prescriptions) {
    const bool cancelled = rx.status == RecordStatus::kCancelled;
    if (rx.status == RecordStatus::kDraft) continue;
    // A cancelled prescription the EHR was never asked to hold stays out.
    if (cancelled && claimed.count(rx.id) == 0) continue;
    Pending p;
    p.row = {ctx.facility_id,
             ctx.consultation_id,
             EhrItemKind::kPrescription,
             rx.id,
             1,
             key_of(EhrItemKind::kPrescription, rx.id, 1)};
    p.cancel = cancelled;
    sdk::MedicationRequestWrite w;
    w.status = cancelled ? "cancelled" : "active";
    w.patient_id = t.patient_id;
    w.encounter_id = t.encounter_id;
    w.practitioner_id = practitioner_id_of(rx.author.practitioner);
    const PrescriptionDetails& d = rx.details;
    w.medication_system = d.medication_system;
    w.medication_code = d.medication_code;
    w.medication_text = d.medication_text;
    w.dose = d.dose;
    w.route = d.route;
    w.frequency = d.frequency;
    w.duration = d.duration;
    w.quantity = d.quantity;
    w.quantity_unit = d.quantity_unit;
    w.refills = d.refills;
    w.instructions = d.instructions;
    w.language = std::string(to_string(rx.language));
    w.authored_at_ms = rx.signed_at.value_or(rx.created_at);
    p.call = [w = std::move(w)](sdk::EhrConnector& ehr, const EhrWrite& row) mutable {
      w.idempotency_key = row.idempotency_key;
      return ehr.write_medication_request(w);
    };
    pending.push_back(std::move(p));
  }
  return run(ctx, t, std::move(pending), "prescriptions");
}

Result<json> ClinicalEhrWriter::write_vitals(const workflow::HubActionContext& ctx,
                                             const json& input) const {
  WASL_ASSIGN_OR_RETURN(Target t, target(ctx, input));
  std::vector<VitalObservation> observations;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, ctx.store->begin(storage::TxMode::kReadOnly));
    ObservationStore store(*services_.cipher);
    WASL_ASSIGN_OR_RETURN(observations, store.list(*tx, ctx.facility_id, ctx.consultation_id));
  }
  std::vector<Pending> pending;
  for (const VitalObservation& o : observations) {
    Pending p;
    p.row = {ctx.facility_id,
             ctx.consultation_id,
             EhrItemKind::kObservation,
             o.id,
             1,
             key_of(EhrItemKind::kObservation, o.id, 1)};
    sdk::VitalSignWrite w;
    w.patient_id = t.patient_id;
    w.encounter_id = t.encounter_id;
    w.code = o.code;
    w.unit = o.value.unit;
    w.value = o.value.value.value_or(0);
    w.systolic = o.value.systolic.value_or(0);
    w.diastolic = o.value.diastolic.value_or(0);
    w.performer = std::string(to_string(o.reported_by));
    if (o.reported_by == Reporter::kClinician) {
      w.practitioner_id = practitioner_id_of(o.posted_by.practitioner);
    }
    w.effective_ms = o.effective_at;
    p.call = [w = std::move(w)](sdk::EhrConnector& ehr, const EhrWrite& row) mutable {
      w.idempotency_key = row.idempotency_key;
      return ehr.write_vital_signs(w);
    };
    pending.push_back(std::move(p));
  }
  return run(ctx, t, std::move(pending), "vital signs");
}

}  // namespace

Status add_clinical_ehr_writes(workflow::HubActions& actions, ClinicalEhrServices services) {
  if (services.cipher == nullptr || services.audit == nullptr || !services.ehr_of) {
    return Error(ErrorCode::kInvalidArgument,
                 "the clinical record's EHR writes need a cipher, an audit writer and the EHRs");
  }
  auto writer = std::make_shared<const ClinicalEhrWriter>(std::move(services));
  WASL_RETURN_IF_ERROR(actions.add(
      std::string(kWriteNotesAction), workflow::HubActionMode::kStandalone,
      [writer](const auto& ctx, const json& input) { return writer->write_notes(ctx, input); }));
  WASL_RETURN_IF_ERROR(actions.add(std::string(kWritePrescriptionsAction),
                                   workflow::HubActionMode::kStandalone,
                                   [writer](const auto& ctx, const json& input) {
                                     return writer->write_prescriptions(ctx, input);
                                   }));
  return actions.add(
      std::string(kWriteVitalsAction), workflow::HubActionMode::kStandalone,
      [writer](const auto& ctx, const json& input) { return writer->write_vitals(ctx, input); });
}

}  // namespace wasl::clinical
