#include "hub/api/recordings.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/recording_content.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/domain/recording.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/recording_store.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

Response read_recording(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  records::RecordingStore recordings;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto r = recordings.get(**tx, principal.facility_id, id);
  if (!r.ok()) return error_response(request, r.error(), MessageId::kRecordingNotFound);
  if (auto failed =
          commit_audited(*ctx.audit, request, **tx,
                         request_event(request, principal, "recording.read", "recording", id))) {
    return *failed;
  }
  return json_response(200, nlohmann::json(*r));
}

Response list_recordings(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  records::ConsultationStore consultations(*ctx.cipher);
  records::RecordingStore recordings;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto c = consultations.get(**tx, principal.facility_id, cid);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto all = recordings.list_for_consultation(**tx, principal.facility_id, cid);
  if (!all.ok()) return error_response(request, all.error());
  audit::AuditEvent event =
      request_event(request, principal, "recording.list", "consultation", cid);
  event.detail = nlohmann::json{{"count", all->size()}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& r : *all) items.push_back(r);
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

Response recording_content(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  records::RecordingStore recordings;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto r = recordings.get(**tx, principal.facility_id, id);
  if (!r.ok()) return error_response(request, r.error(), MessageId::kRecordingNotFound);
  if (r->state != domain::RecordingState::kArchived || !r->storage_path || !r->size_bytes) {
    return problem_response(request, 404, MessageId::kRecordingNotFound);
  }
  if (ctx.object_stores == nullptr) {
    Response r503 = problem_response(request, 503, MessageId::kRecordingStoreUnavailable);
    r503.set_header("Retry-After", "5");
    return r503;
  }
  auto object = ctx.object_stores->resolve(*r->storage_path);
  if (!object.ok()) {
    spdlog::error("recording {} of facility {} was not served: {}", id, principal.facility_id,
                  object.error().message);
    return problem_response(request, 500, MessageId::kInternal);
  }
  const auto size = static_cast<std::uint64_t>(*r->size_bytes);
  ByteRange range{0, size == 0 ? 0 : size - 1};
  bool partial = false;
  if (auto header = request.header("Range")) {
    auto parsed = parse_byte_range(*header, size);
    if (!parsed) {
      Response unsatisfiable = Response::empty(416);
      unsatisfiable.set_header("Content-Range", "bytes */" + std::to_string(size));
      return unsatisfiable;
    }
    range = *parsed;
    partial = true;
  }
  const std::uint64_t length = size == 0 ? 0 : range.last - range.first + 1;
  // One read of the header, then one streamed read of the ciphertext the
  // range needs. The range's first segment is authenticated before any
  // header goes out: an object that is damaged, or is another recording's
  // (the stream is bound to its facility and id), is refused whole, not cut
  // short; a store that does not answer is a 503 to retry.
  RecordingContent::Source source;
  source.store = &object->store;
  source.key = object->key;
  source.keyring = ctx.cipher->keyring();
  source.plaintext_size = size;
  source.binding = domain::recording_stream_binding(r->facility_id, r->id);
  std::shared_ptr<RecordingContent> body =
      RecordingContent::start(std::move(source), range.first, length);
  if (sdk::Status ready = body->wait_ready(); !ready.ok()) {
    if (!body->damaged()) {
      if (ready.error().code == sdk::ErrorCode::kUnavailable ||
          ready.error().code == sdk::ErrorCode::kDeadlineExceeded) {
        spdlog::warn("recording {} of facility {} was not served: {}", id, principal.facility_id,
                     ready.error().message);
        Response busy = problem_response(request, 503, MessageId::kRecordingStoreUnavailable);
        auto after = ready.error().retry_after.value_or(std::chrono::seconds(5));
        busy.set_header("Retry-After",
                        std::to_string(std::max<std::int64_t>(
                            1, std::chrono::duration_cast<std::chrono::seconds>(after).count())));
        return busy;
      }
      return error_response(request, ready.error(), MessageId::kRecordingNotFound);
    }
    spdlog::error("recording {} of facility {} was not served: {}", id, principal.facility_id,
                  ready.error().message);
    audit::AuditEvent refused =
        request_event(request, principal, "recording.download", "recording", id);
    refused.outcome = std::string(audit::kOutcomeFailure);
    refused.detail =
        nlohmann::json{{"error", "the file does not authenticate as this recording"}}.dump();
    if (auto failed = commit_audited(*ctx.audit, request, **tx, refused)) return *failed;
    return problem_response(request, 500, MessageId::kRecordingUnreadable);
  }
  audit::AuditEvent event =
      request_event(request, principal, "recording.download", "recording", id);
  event.detail = nlohmann::json{{"first", range.first}, {"last", range.last}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;

  Response response;
  response.status = partial ? 206 : 200;
  response.set_header("Content-Type", "video/mp4");
  response.set_header("Accept-Ranges", "bytes");
  response.set_header("Content-Length", std::to_string(length));
  if (partial) {
    response.set_header("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                             std::to_string(range.last) + "/" +
                                             std::to_string(size));
  }
  // A failure midway throws, so the server drops the connection: the body
  // then falls short of its Content-Length and never looks complete.
  response.stream_body = [body](std::ostream& out) { body->write_to(out); };
  return response;
}

// The store answered a hold change with an error: 503 with Retry-After, the
// row unchanged.
Response store_unavailable(Request& request, const sdk::Error& error) {
  Response busy = problem_response(request, 503, MessageId::kRecordingStoreUnavailable);
  auto after = error.retry_after.value_or(std::chrono::seconds(5));
  busy.set_header("Retry-After",
                  std::to_string(std::max<std::int64_t>(
                      1, std::chrono::duration_cast<std::chrono::seconds>(after).count())));
  return busy;
}

constexpr std::size_t kMaxHoldReason = 500;

// PUT /v1/recordings/{id}/legal-hold {"hold": bool, "reason": "…"}.
//
// The object's own hold (S3 Object Lock, where the store keeps one) is set
// first, then the row and the audit event in one transaction; a store that
// fails answers 503 and nothing changes. When the transaction fails after
// the store's call, object and row disagree until one of two things settles
// it: the next call of this route sets both again, and before any object
// is removed the store turns its hold off (ObjectStore::check_removable and
// remove() are asked only for objects whose row holds none), so an object
// held without its row never outlives its recording. An object released
// without its row (the row still holds) is harmless: the row's hold alone
// keeps retention away from it.
Response set_legal_hold(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  records::RecordingStore recordings;
  domain::Recording before;
  {
    // Another facility's recording is not found before the body is judged.
    auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return error_response(request, tx.error());
    auto r = recordings.get(**tx, principal.facility_id, id);
    if (!r.ok()) return error_response(request, r.error(), MessageId::kRecordingNotFound);
    before = std::move(r).value();
  }
  nlohmann::json body;
  if (auto bad = read_json_object(request, body)) return *bad;
  FieldValidator v;
  for (const auto& [name, value] : body.items()) {
    if (name != "hold" && name != "reason") {
      v.add(name.substr(0, 64), "unknown_field", "is not a member of a legal hold");
    }
  }
  const std::optional<bool> hold = v.boolean(body, "hold", "", true);
  const std::optional<std::string> reason =
      v.text(body, "reason", "", kMaxHoldReason, hold.value_or(false));
  if (!v.ok()) return validation_problem(request, 422, v.take());
  if (before.state == domain::RecordingState::kDeleted) {
    return problem_response(request, 409, MessageId::kRecordingDeleted);
  }

  if (before.storage_path) {
    if (ctx.object_stores == nullptr) {
      return store_unavailable(request,
                               sdk::Error(sdk::ErrorCode::kUnavailable, "no object stores", true));
    }
    auto object = ctx.object_stores->resolve(*before.storage_path);
    if (!object.ok()) {
      spdlog::error("the legal hold of recording {} of facility {} was not changed: {}", id,
                    principal.facility_id, object.error().message);
      return problem_response(request, 500, MessageId::kInternal);
    }
    if (sdk::Status held = object->store.set_legal_hold(object->key, *hold); !held.ok()) {
      spdlog::warn("the legal hold of recording {} of facility {} was not changed: {}", id,
                   principal.facility_id, held.error().message);
      return store_unavailable(request, held.error());
    }
  }

  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto r = recordings.get(**tx, principal.facility_id, id);
  if (!r.ok()) return error_response(request, r.error(), MessageId::kRecordingNotFound);
  if (r->state == domain::RecordingState::kDeleted) {
    // Deleted meanwhile: the hold just set on its object is turned off by
    // the removal (see above).
    return problem_response(request, 409, MessageId::kRecordingDeleted);
  }
  if (sdk::Status set = recordings.set_legal_hold(**tx, principal.facility_id, id, *hold);
      !set.ok()) {
    return error_response(request, set.error(), MessageId::kRecordingNotFound);
  }
  audit::AuditEvent event =
      request_event(request, principal, "recording.legal_hold", "recording", id);
  event.detail = nlohmann::json{{"hold", *hold},
                                {"reason", reason ? nlohmann::json(*reason) : nlohmann::json()}}
                     .dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  r->legal_hold = *hold;
  return json_response(200, nlohmann::json(*r));
}

}  // namespace

void add_recording_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/recordings/{id}",
      [&context](Request& r, const access::Principal& p) { return read_recording(context, r, p); },
      route_options("Read a recording's metadata."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/recordings",
      [&context](Request& r, const access::Principal& p) { return list_recordings(context, r, p); },
      route_options("List a consultation's recordings."));
  add_authorized_route(
      router, context, "GET", "/v1/recordings/{id}/content",
      [&context](Request& r, const access::Principal& p) {
        return recording_content(context, r, p);
      },
      route_options("Download a recording, decrypted; single byte ranges supported."));
  add_authorized_route(
      router, context, "PUT", "/v1/recordings/{id}/legal-hold",
      [&context](Request& r, const access::Principal& p) { return set_legal_hold(context, r, p); },
      route_options("Set or release a recording's legal hold (and its object's, where the "
                    "store locks objects)."));
}

}  // namespace wasl::api
