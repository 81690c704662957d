#include "hub/api/visit_summaries.hpp"

#include <initializer_list>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/summaries/summary_store.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// The stored HTML's policy: its own inline style, nothing else.
constexpr const char* kHtmlPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

json summary_json(const summaries::StoredSummary& s) {
  return {{"id", s.id},
          {"consultation_id", s.consultation_id},
          {"note_id", s.note_id},
          {"language", s.language},
          {"content_type", "application/pdf"},
          {"size_bytes", s.pdf_size},
          {"sha256_hex", s.pdf_sha256},
          {"link_expires_at", domain::format_timestamp(s.link_expires_at)},
          {"created_at", domain::format_timestamp(s.created_at)}};
}

// The `format` query parameter, among `allowed`; empty: the first.
std::optional<std::string> format_of(const Request& request,
                                     std::initializer_list<const char*> allowed) {
  auto it = request.query.find("format");
  if (it == request.query.end() || it->second.empty()) return std::string(*allowed.begin());
  for (const char* a : allowed) {
    if (it->second == a) return it->second;
  }
  return std::nullopt;
}

Response content_response(const summaries::StoredSummary& s, const std::string& format) {
  Response response;
  if (format == "pdf") {
    response = Response::text(200, s.pdf, "application/pdf");
    response.set_header("Content-Disposition",
                        "inline; filename=\"visit-summary-" + s.id + ".pdf\"");
  } else {
    response = Response::text(200, s.html, "text/html; charset=utf-8");
    response.set_header("Content-Security-Policy", kHtmlPolicy);
    response.set_header("Content-Language", s.language);
  }
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Cache-Control", "no-store");
  return response;
}

// GET /v1/consultations/{id}/summary
Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  const auto format = format_of(request, {"json", "html", "pdf"});
  if (!format) {
    FieldValidator v;
    v.add("format", "out_of_range", "must be json, html or pdf");
    return validation_problem(request, 400, v.take());
  }
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto exists = records::ConsultationStore::exists(**tx, principal.facility_id, id);
  if (!exists.ok()) return error_response(request, exists.error());
  if (!*exists) return problem_response(request, 404, MessageId::kConsultationNotFound);
  summaries::SummaryStore store(*ctx.cipher);
  auto summary = store.get(**tx, principal.facility_id, id, *format != "json");
  if (!summary.ok()) {
    if (summary.error().code == sdk::ErrorCode::kNotFound) {
      return problem_response(request, 404, MessageId::kVisitSummaryNotFound);
    }
    return error_response(request, summary.error());
  }
  audit::AuditEvent event =
      request_event(request, principal, "visit_summary.read", "visit_summary", summary->id);
  event.detail = json{{"consultation_id", id}, {"format", *format}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  if (*format == "json") return json_response(200, summary_json(*summary));
  return content_response(*summary, *format);
}

// GET /summary/{code}
Response by_link(ApiContext& ctx, Request& request) {
  const std::string& code = request.path_params.at("code");
  const auto format = format_of(request, {"html", "pdf"});
  if (!format) {
    FieldValidator v;
    v.add("format", "out_of_range", "must be html or pdf");
    return validation_problem(request, 400, v.take());
  }
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto link = summaries::SummaryStore::resolve_link(**tx, code);
  if (!link.ok()) return error_response(request, link.error());
  if (!*link) return problem_response(request, 404, MessageId::kSummaryLinkNotFound);
  const bool expired = (*link)->expires_at <= ctx.now_ms();
  std::optional<summaries::StoredSummary> summary;
  if (!expired) {
    summaries::SummaryStore store(*ctx.cipher);
    auto found = store.get(**tx, (*link)->facility_id, (*link)->consultation_id, true);
    if (!found.ok()) return error_response(request, found.error());
    summary = std::move(*found);
  }
  audit::AuditEvent event;
  event.actor = "anonymous";
  event.facility_id = (*link)->facility_id;
  event.action = "visit_summary_link.resolve";
  event.entity_type = "visit_summary";
  event.entity_id = (*link)->summary_id;
  event.outcome = std::string(expired ? audit::kOutcomeFailure : audit::kOutcomeSuccess);
  event.request_id = request.request_id;
  event.source_address = client_host(request.remote_address);
  event.detail =
      json{{"consultation_id", (*link)->consultation_id}, {"format", *format}, {"expired", expired}}
          .dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  if (expired) {
    Response gone = problem_response(request, 410, MessageId::kSummaryLinkExpired);
    gone.set_header("Cache-Control", "no-store");
    return gone;
  }
  return content_response(*summary, *format);
}

}  // namespace

void add_visit_summary_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/summary",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("The patient's visit summary of the consultation: its facts, or the summary "
                    "as HTML or PDF (format)."));
  add_authorized_route(
      router, context, "GET", "/summary/{code}",
      [&context](Request& r, const access::Principal&) { return by_link(context, r); },
      route_options("A patient's visit summary link: the summary as HTML or PDF while the link "
                    "works (no key: the code is the secret)."));
}

}  // namespace wasl::api
