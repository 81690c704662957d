#include "hub/api/recordings.hpp"

#include <charconv>
#include <string>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/domain/recording.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/recording_store.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
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

Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
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

Response content(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  records::RecordingStore recordings;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto r = recordings.get(**tx, principal.facility_id, id);
  if (!r.ok()) return error_response(request, r.error(), MessageId::kRecordingNotFound);
  if (r->state != domain::RecordingState::kArchived || !r->storage_path || !r->size_bytes) {
    return problem_response(request, 404, MessageId::kRecordingNotFound);
  }
  auto reader = crypto::StreamRangeReader::open_file(
      ctx.cipher->keyring(), *r->storage_path, static_cast<std::uint64_t>(*r->size_bytes),
      domain::recording_stream_binding(r->facility_id, r->id));
  if (!reader.ok()) return error_response(request, reader.error());
  const std::uint64_t size = reader->plaintext_size();
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
  // The first segment of the range is authenticated before any header goes
  // out: a file that is damaged, or is another recording's (the stream is
  // bound to its facility and id), is refused whole, not cut short.
  if (length > 0) {
    auto probe = reader->read(range.first, 1);
    if (!probe.ok()) {
      spdlog::error("recording {} of facility {} was not served: {}", id, principal.facility_id,
                    probe.error().message);
      audit::AuditEvent refused =
          request_event(request, principal, "recording.download", "recording", id);
      refused.outcome = std::string(audit::kOutcomeFailure);
      refused.detail =
          nlohmann::json{{"error", "the file does not authenticate as this recording"}}.dump();
      if (auto failed = commit_audited(*ctx.audit, request, **tx, refused)) return *failed;
      return problem_response(request, 500, MessageId::kRecordingUnreadable);
    }
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
  crypto::StreamRangeReader stream = std::move(reader).value();
  const std::uint64_t first = range.first;
  response.stream_body = [stream, first, length](std::ostream& out) {
    // A failure midway can only cut the body short: the headers are gone.
    (void)stream.read_to(first, length, [&out](std::string_view chunk) -> sdk::Status {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      if (!out) return sdk::Error(sdk::ErrorCode::kUnavailable, "the client went away");
      return sdk::ok_status();
    });
  };
  return response;
}

}  // namespace

void add_recording_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/recordings/{id}",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("Read a recording's metadata."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/recordings",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List a consultation's recordings."));
  add_authorized_route(
      router, context, "GET", "/v1/recordings/{id}/content",
      [&context](Request& r, const access::Principal& p) { return content(context, r, p); },
      route_options("Download a recording, decrypted; single byte ranges supported."));
}

}  // namespace wasl::api
