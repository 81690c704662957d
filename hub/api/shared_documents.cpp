#include "hub/api/shared_documents.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub/access/route_access.hpp"
#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/recording_content.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/api/resource_id.hpp"
#include "hub/clinical/authorship.hpp"
#include "hub/clinical/clamd_scanner.hpp"
#include "hub/clinical/document_attachment.hpp"
#include "hub/clinical/document_object.hpp"
#include "hub/clinical/document_store.hpp"
#include "hub/clinical/document_type.hpp"
#include "hub/crypto/digest.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::api {
namespace {

using clinical::SharedDocument;
using http::Request;
using http::Response;

constexpr std::size_t kMaxNameBytes = 255;

std::string documents_path(const std::string& consultation_id) {
  return "/v1/consultations/" + consultation_id + "/documents/";
}

Response unavailable(const Request& request, MessageId id, const sdk::Error& error) {
  spdlog::warn("a shared document was not accepted: {}", error.message);
  Response busy = problem_response(request, 503, id);
  auto after = error.retry_after.value_or(std::chrono::seconds(5));
  busy.set_header("Retry-After",
                  std::to_string(std::max<std::int64_t>(
                      1, std::chrono::duration_cast<std::chrono::seconds>(after).count())));
  return busy;
}

std::optional<Response> check_document_consultation(ApiContext& ctx, const Request& request,
                                                    storage::Transaction& tx,
                                                    const access::Principal& principal,
                                                    const std::string& consultation_id) {
  records::ConsultationStore consultations(*ctx.cipher);
  auto c = consultations.get(tx, principal.facility_id, consultation_id);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  return std::nullopt;
}

// A file name: 1-255 bytes, no control characters, no path separators.
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '/' || c == '\\';
  });
}

// POST /v1/consultations/{id}/documents
Response upload(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  {
    auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return error_response(request, tx.error());
    if (auto missing =
            check_document_consultation(ctx, request, **tx, principal, consultation_id)) {
      return *missing;
    }
  }
  std::string name;
  if (auto it = request.query.find("name"); it != request.query.end()) name = it->second;
  if (!name.empty() && !valid_name(name)) {
    return validation_problem(
        request, 400,
        {http::FieldError{"name", "invalid",
                          "must be 1-255 bytes without control characters or path separators"}});
  }
  const std::string_view bytes = request.body;
  if (static_cast<std::int64_t>(bytes.size()) > kMaxDocumentBytes) {
    return problem_response(request, 413, MessageId::kDocumentTooLarge);
  }
  const clinical::SniffResult sniffed = clinical::sniff_document(bytes);
  if (const auto* refused = std::get_if<clinical::DocumentRefusal>(&sniffed)) {
    return problem_response(
        request, refused->unsupported ? 415 : 422,
        refused->unsupported ? MessageId::kDocumentUnsupported : MessageId::kDocumentMalformed,
        {refused->reason});
  }
  const clinical::DocumentType type = std::get<clinical::DocumentType>(sniffed);
  if (ctx.document_scanner == nullptr) {
    return unavailable(request, MessageId::kDocumentNotScanned,
                       sdk::Error(sdk::ErrorCode::kUnavailable, "no virus scanner is configured"));
  }
  auto verdict = ctx.document_scanner->scan(bytes);
  if (!verdict.ok()) return unavailable(request, MessageId::kDocumentNotScanned, verdict.error());
  if (!verdict->clean) {
    spdlog::warn("facility {}: ClamAV found {} in an upload to consultation {}",
                 principal.facility_id, verdict->signature, consultation_id);
    return problem_response(request, 422, MessageId::kDocumentInfected, {verdict->signature});
  }
  if (ctx.object_stores == nullptr) {
    return unavailable(request, MessageId::kDocumentStoreUnavailable,
                       sdk::Error(sdk::ErrorCode::kUnavailable, "no object store is configured"));
  }
  auto id = new_resource_id();
  if (!id.ok()) return error_response(request, id.error());
  object_store::ObjectStore& objects = ctx.object_stores->active();
  std::shared_ptr<const crypto::Keyring> keyring = ctx.cipher->keyring();
  auto stored =
      clinical::write_document_object(objects, *keyring, principal.facility_id, *id, bytes);
  if (!stored.ok()) {
    if (stored.error().code == sdk::ErrorCode::kUnavailable) {
      return unavailable(request, MessageId::kDocumentStoreUnavailable, stored.error());
    }
    return error_response(request, stored.error());
  }
  SharedDocument d;
  d.id = *id;
  d.facility_id = principal.facility_id;
  d.consultation_id = consultation_id;
  d.type = type;
  d.name = name.empty() ? "document." + std::string(clinical::to_string(type)) : name;
  d.storage_path = stored->locator;
  d.size_bytes = static_cast<std::int64_t>(bytes.size());
  d.sha256_hex = crypto::sha256_hex(bytes);
  d.key_id = stored->key_id;
  d.scanned_by = ctx.document_scanner->address();
  d.uploaded_by = clinical::author_of(principal);
  d.created_at = ctx.now_ms();
  auto forget_object = [&] {
    if (auto key = objects.key_of(d.storage_path)) {
      if (auto removed = objects.remove(*key); !removed.ok()) {
        spdlog::error("document object {} was left behind: {}", *key, removed.error().message);
      }
    }
  };
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) {
    forget_object();
    return error_response(request, tx.error());
  }
  if (auto missing = check_document_consultation(ctx, request, **tx, principal, consultation_id)) {
    forget_object();
    return *missing;
  }
  clinical::DocumentStore documents(*ctx.cipher);
  if (auto inserted = documents.insert(**tx, d); !inserted.ok()) {
    forget_object();
    return error_response(request, inserted.error());
  }
  if (auto requested =
          clinical::DocumentAttachment::request(**tx, principal.facility_id, d.id, d.created_at);
      !requested.ok()) {
    forget_object();
    return error_response(request, requested.error());
  }
  audit::AuditEvent event = request_event(request, principal, "document.create", "document", d.id);
  event.detail = nlohmann::json{
      {"consultation_id", consultation_id},
      {"type", std::string(clinical::to_string(type))},
      {"size_bytes", d.size_bytes},
      {"sha256_hex", d.sha256_hex},
      {"scanned_by",
       d.scanned_by}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) {
    forget_object();
    return *failed;
  }
  if (ctx.tasks_requested) ctx.tasks_requested();
  Response response = json_response(201, clinical::document_json(d, /*with_name=*/true));
  response.set_header("Location", documents_path(consultation_id) + d.id);
  return response;
}

// GET /v1/consultations/{id}/documents
Response list_documents(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto missing = check_document_consultation(ctx, request, **tx, principal, cid))
    return *missing;
  clinical::DocumentStore documents(*ctx.cipher);
  auto all = documents.list(**tx, principal.facility_id, cid);
  if (!all.ok()) return error_response(request, all.error());
  const bool names = access::reads_clinical_content(principal.role);
  audit::AuditEvent event = request_event(request, principal, "document.list", "consultation", cid);
  event.detail = nlohmann::json{{"count", all->size()}, {"content", names}}.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  nlohmann::json items = nlohmann::json::array();
  for (const SharedDocument& d : *all) items.push_back(clinical::document_json(d, names));
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

// POST /v1/consultations/{id}/documents/{doc}/link
Response make_link(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  const std::string& doc = request.path_params.at("doc");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto missing = check_document_consultation(ctx, request, **tx, principal, cid))
    return *missing;
  clinical::DocumentStore documents(*ctx.cipher);
  auto d = documents.get(**tx, principal.facility_id, cid, doc);
  if (!d.ok()) return error_response(request, d.error(), MessageId::kDocumentNotFound);
  auto random = crypto::random_bytes(32);
  if (!random.ok()) return error_response(request, random.error());
  const std::string token = crypto::to_hex(*random);
  const std::int64_t now = ctx.now_ms();
  clinical::DocumentLink link;
  link.token_hash = crypto::sha256_hex(token);
  link.facility_id = principal.facility_id;
  link.document_id = d->id;
  link.created_by_actor = request_actor(principal).actor;
  link.created_at = now;
  link.expires_at = now + ctx.options.document_link_ttl.count();
  if (auto expired = documents.delete_expired_links(**tx, principal.facility_id, now);
      !expired.ok()) {
    return error_response(request, expired.error());
  }
  if (auto inserted = documents.insert_link(**tx, link); !inserted.ok()) {
    return error_response(request, inserted.error());
  }
  audit::AuditEvent event = request_event(request, principal, "document.link", "document", d->id);
  event.detail = nlohmann::json{{"consultation_id", cid}, {"expires_at", link.expires_at}}.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  return json_response(
      201, nlohmann::json{{"url", "/v1/document-links/" + token}, {"expires_at", link.expires_at}});
}

// The document's plaintext from its object, streamed; `event` (its
// download) is committed in `tx` once the object's first segment has
// authenticated as this document's.
Response serve_document(ApiContext& ctx, const Request& request, storage::Transaction& tx,
                        const SharedDocument& d, const audit::AuditEvent& event) {
  if (ctx.object_stores == nullptr) {
    return unavailable(request, MessageId::kDocumentStoreUnavailable,
                       sdk::Error(sdk::ErrorCode::kUnavailable, "no object store is configured"));
  }
  auto object = ctx.object_stores->resolve(d.storage_path);
  if (!object.ok()) return error_response(request, object.error());
  RecordingContent::Source source;
  source.store = &object->store;
  source.key = object->key;
  source.keyring = ctx.cipher->keyring();
  source.plaintext_size = static_cast<std::uint64_t>(d.size_bytes);
  source.binding = clinical::document_stream_binding(d.facility_id, d.id);
  const auto size = static_cast<std::uint64_t>(d.size_bytes);
  std::shared_ptr<RecordingContent> body = RecordingContent::start(std::move(source), 0, size);
  if (sdk::Status ready = body->wait_ready(); !ready.ok()) {
    if (!body->damaged()) {
      return unavailable(request, MessageId::kDocumentStoreUnavailable, ready.error());
    }
    spdlog::error("document {} of facility {} does not authenticate: {}", d.id, d.facility_id,
                  ready.error().message);
    return error_response(request, sdk::Error(sdk::ErrorCode::kInternal, ready.error().message));
  }
  if (auto failed = commit_audited(*ctx.audit, request, tx, event)) return *failed;
  Response response;
  response.status = 200;
  response.set_header("Content-Type", std::string(clinical::media_type(d.type)));
  response.set_header("Content-Length", std::to_string(size));
  response.set_header("Content-Disposition", "attachment");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Cache-Control", "no-store");
  // A failure midway throws, so the server drops the connection: the body
  // then falls short of its Content-Length and never looks complete.
  response.stream_body = [body](std::ostream& out) { body->write_to(out); };
  return response;
}

// GET /v1/document-links/{token}: the token is the credential.
Response download(ApiContext& ctx, Request& request) {
  const std::string& token = request.path_params.at("token");
  if (token.size() != 64) return problem_response(request, 404, MessageId::kDocumentLinkNotFound);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  clinical::DocumentStore documents(*ctx.cipher);
  auto link = documents.find_link(**tx, crypto::sha256_hex(token));
  if (!link.ok()) return error_response(request, link.error(), MessageId::kDocumentLinkNotFound);
  if (link->expires_at <= ctx.now_ms()) {
    return problem_response(request, 410, MessageId::kDocumentLinkExpired);
  }
  auto d = documents.get_by_id(**tx, link->facility_id, link->document_id);
  if (!d.ok()) return error_response(request, d.error(), MessageId::kDocumentLinkNotFound);
  audit::AuditEvent event;
  event.actor = "link:" + link->token_hash.substr(0, 16);
  event.facility_id = link->facility_id;
  event.action = "document.download";
  event.entity_type = "document";
  event.entity_id = d->id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.request_id = request.request_id;
  event.source_address = request.client_address;
  event.detail = nlohmann::json{{"consultation_id", d->consultation_id},
                                {"link_created_by", link->created_by_actor}}
                     .dump();
  return serve_document(ctx, request, **tx, *d, event);
}

// GET /v1/consultations/{id}/documents/{doc}/content: what the EHR's
// DocumentReference points at, read with the facility's key.
Response content(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto missing = check_document_consultation(ctx, request, **tx, principal, cid))
    return *missing;
  clinical::DocumentStore documents(*ctx.cipher);
  auto d = documents.get(**tx, principal.facility_id, cid, request.path_params.at("doc"));
  if (!d.ok()) return error_response(request, d.error(), MessageId::kDocumentNotFound);
  audit::AuditEvent event =
      request_event(request, principal, "document.download", "document", d->id);
  event.detail = nlohmann::json{{"consultation_id", cid}}.dump();
  return serve_document(ctx, request, **tx, *d, event);
}

}  // namespace

void add_shared_document_routes(http::Router& router, ApiContext& context) {
  http::RouteOptions upload_options = route_options(
      "Share a PDF, JPEG or PNG (at most 10 MiB, the raw body; ?name= the file "
      "name): its type is read from its bytes, ClamAV scans it, and it is kept "
      "encrypted. 415 for another type, 422 for a broken file or malware, 503 when "
      "it cannot be scanned.");
  upload_options.body_limit = kMaxDocumentBytes;
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/documents",
      [&context](Request& r, const access::Principal& p) { return upload(context, r, p); },
      upload_options);
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/documents",
      [&context](Request& r, const access::Principal& p) { return list_documents(context, r, p); },
      route_options("List a consultation's shared documents (audited); file names only for "
                    "roles that read clinical content."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/documents/{doc}/link",
      [&context](Request& r, const access::Principal& p) { return make_link(context, r, p); },
      route_options("A short-lived download link for a shared document (audited)."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/documents/{doc}/content",
      [&context](Request& r, const access::Principal& p) { return content(context, r, p); },
      route_options("A shared document's content (audited); the URL its DocumentReference in "
                    "the EHR names."));
  router.add("GET", "/v1/document-links/{token}",
             [&context](Request& r) { return download(context, r); });
}

}  // namespace wasl::api
