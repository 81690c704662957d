#include "hub/clinical/document_attachment.hpp"

#include <utility>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub/clinical/document_store.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::clinical {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

audit::AuditEvent attach_event(const std::string& facility_id, const std::string& document_id,
                               std::string_view outcome, const json& detail) {
  audit::AuditEvent e;
  e.actor = "system";
  e.facility_id = facility_id;
  e.action = "document.attach";
  e.entity_type = "document";
  e.entity_id = document_id;
  e.outcome = std::string(outcome);
  e.detail = detail.dump();
  return e;
}

}  // namespace

DocumentAttachment::DocumentAttachment(storage::Store& store, const config::Config& config,
                                       const records::CellCipher& cipher,
                                       const audit::AuditWriter& audit, EhrOf ehr_of)
    : store_(store), config_(config), cipher_(cipher), audit_(audit), ehr_of_(std::move(ehr_of)) {}

Status DocumentAttachment::request(storage::Transaction& tx, const std::string& facility_id,
                                   const std::string& document_id, std::int64_t now_ms) {
  return jobs::JobQueue::request_task(
      tx, kDocumentAttachTask, std::string(kDocumentAttachTask) + "/" + document_id,
      json{{"facility_id", facility_id}, {"document_id", document_id}}, now_ms, now_ms);
}

jobs::TaskSettlement DocumentAttachment::not_attached(const jobs::Task& task,
                                                      std::string reason) const {
  const std::string facility = task.payload.value("facility_id", "");
  const std::string document = task.payload.value("document_id", "");
  spdlog::warn("document {} of facility {} is not attached to the record: {}", document, facility,
               reason);
  return
      [this, facility, document, reason = std::move(reason)](storage::Transaction& tx) -> Status {
        WASL_RETURN_IF_ERROR(audit_.append(
            tx, attach_event(facility, document, audit::kOutcomeFailure, {{"error", reason}})));
        return Status();
      };
}

std::string DocumentAttachment::instance(const jobs::Task& task) const {
  auto facility = config_.facilities.find(task.payload.value("facility_id", ""));
  if (facility == config_.facilities.end()) return {};
  auto binding = facility->second.bindings.find("ehr");
  return binding == facility->second.bindings.end() ? std::string() : binding->second;
}

Result<jobs::TaskSettlement> DocumentAttachment::run(const jobs::Task& task) {
  const std::string facility_id = task.payload.value("facility_id", "");
  const std::string document_id = task.payload.value("document_id", "");
  if (!config_.facilities.contains(facility_id)) {
    return not_attached(task, "the facility is not configured");
  }
  const std::string ehr_instance = instance(task);
  if (ehr_instance.empty()) return not_attached(task, "the facility has no ehr binding");
  SharedDocument d;
  std::string patient;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    DocumentStore documents(cipher_);
    WASL_ASSIGN_OR_RETURN(d, documents.get_by_id(*tx, facility_id, document_id));
    records::ConsultationStore consultations(cipher_);
    WASL_ASSIGN_OR_RETURN(domain::Consultation c,
                          consultations.get(*tx, facility_id, d.consultation_id));
    if (c.patient.reference) patient = *c.patient.reference;
  }
  if (d.ehr_document_id) return jobs::TaskSettlement();  // attached already
  constexpr std::string_view kPatientPrefix = "Patient/";
  if (std::string_view(patient).starts_with(kPatientPrefix)) {
    patient.erase(0, kPatientPrefix.size());
  }
  if (patient.empty()) return not_attached(task, "the consultation names no patient");
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::EhrConnector> ehr, ehr_of_(ehr_instance));
  sdk::DocumentRequest request;
  request.idempotency_key = "wasl-document-" + d.id;
  request.patient_id = patient;
  request.type_code = kSharedDocumentTypeCode;
  request.title = d.name;
  request.content_type = std::string(media_type(d.type));
  request.url = config_.server.public_url + "/v1/consultations/" + d.consultation_id +
                "/documents/" + d.id + "/content";
  request.size_bytes = d.size_bytes;
  request.sha256_hex = d.sha256_hex;
  auto created = ehr->attach_document(request);
  if (!created.ok()) {
    if (created.error().code == ErrorCode::kUnimplemented) {
      return not_attached(task,
                          "the EHR does not take documents (ehr.attach_document is not "
                          "supported by this EHR)");
    }
    Error error = std::move(created).error();
    error.message =
        "attaching document " + d.id + " through " + ehr_instance + ": " + error.message;
    return error;
  }
  return jobs::TaskSettlement([this, facility_id, document_id, instance = ehr_instance,
                               ehr_id = created->id](storage::Transaction& tx) -> Status {
    DocumentStore documents(cipher_);
    WASL_RETURN_IF_ERROR(documents.set_ehr_document(tx, facility_id, document_id, ehr_id));
    WASL_RETURN_IF_ERROR(
        audit_.append(tx, attach_event(facility_id, document_id, audit::kOutcomeSuccess,
                                       {{"instance", instance}, {"document_reference", ehr_id}})));
    return Status();
  });
}

Status DocumentAttachment::give_up(storage::Transaction& tx, const jobs::Task& task,
                                   const Error& error) {
  WASL_RETURN_IF_ERROR(
      audit_.append(tx, attach_event(task.payload.value("facility_id", ""),
                                     task.payload.value("document_id", ""), audit::kOutcomeFailure,
                                     {{"error", error.message}, {"attempts", task.attempt}})));
  return Status();
}

}  // namespace wasl::clinical
