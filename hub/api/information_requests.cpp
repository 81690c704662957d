#include "hub/api/information_requests.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/list_params.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/claims/information_answers.hpp"
#include "hub/claims/information_request_store.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/list_cursor.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::api {

using claims::InformationRequestRow;
using http::Request;
using http::Response;
using nlohmann::json;

namespace {

json optional_time(const std::optional<std::int64_t>& t) {
  return t ? json(domain::format_timestamp(*t)) : json(nullptr);
}

json optional_text(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

// The listed form: no PHI.
json listed(const InformationRequestRow& r) {
  return {{"id", r.id},
          {"claim_id", r.claim_id},
          {"reason", optional_text(r.reason)},
          {"due_at", optional_time(r.due_at)},
          {"state", std::string(claims::to_string(r.state))},
          {"received_at", domain::format_timestamp(r.received_at)},
          {"answered_at", optional_time(r.answered_at)},
          {"last_error", optional_text(r.last_error)}};
}

// The read form: what is asked, and what was answered without the bytes.
json detailed(const InformationRequestRow& r) {
  json out = listed(r);
  json asked = json::parse(r.request, nullptr, false);
  out["questions"] = asked.is_object() ? asked.value("questions", json::array()) : json::array();
  out["documents"] = asked.is_object() ? asked.value("documents", json::array()) : json::array();
  out["answer"] = nullptr;
  if (r.answer) {
    json sent = json::parse(*r.answer, nullptr, false);
    if (sent.is_object()) {
      json attachments = json::array();
      for (const auto& a : sent.value("attachments", json::array())) {
        attachments.push_back({{"content_type", a.value("content_type", std::string())},
                               {"title", a.value("title", std::string())},
                               {"size", a.value("size", std::int64_t{0})}});
      }
      out["answer"] = {{"texts", sent.value("texts", json::array())},
                       {"attachments", std::move(attachments)},
                       {"cannot_supply", sent.value("cannot_supply", false)},
                       {"reason", sent.value("reason", std::string())}};
    }
  }
  return out;
}

Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  claims::InformationRequestQuery q;
  ListParams paging;
  for (const auto& [name, value] : request.query) {
    if (name == "state") {
      q.state = claims::information_request_state_from(value);
      if (!q.state) {
        v.add("state", "unknown_value", "must be one of: open, sending, answered, cannot_supply");
      }
    } else if (!read_list_param(name, value, v, paging)) {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  q.limit = paging.limit + 1;  // one more tells whether a next page exists
  q.after = paging.after;
  claims::InformationRequestStore requests(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = requests.list(**tx, principal.facility_id, q);
  if (!found.ok()) return error_response(request, found.error());
  std::vector<InformationRequestRow>& page = *found;
  const json next = cut_page(page, paging.limit, [](const InformationRequestRow& last) {
    return records::ListCursor{last.received_at, last.id};
  });
  json items = json::array();
  for (const auto& r : page) items.push_back(listed(r));
  return json_response(200, json{{"items", std::move(items)}, {"next_cursor", next}});
}

Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string id = request.path_params.at("id");
  claims::InformationRequestStore requests(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = requests.get(**tx, principal.facility_id, id, true);
  if (!found.ok()) {
    return error_response(request, found.error(), MessageId::kInformationRequestNotFound);
  }
  if (auto failed = commit_audited(*ctx.audit, request, **tx,
                                   request_event(request, principal, "information_request.read",
                                                 "information_request", id))) {
    return *failed;
  }
  return json_response(200, detailed(*found));
}

// The answer in the body; nullopt and the problem in `problem` when it
// cannot be read.
std::optional<claims::AnswerInput> answer_of(const Request& request,
                                             std::optional<Response>& problem) {
  json body;
  if (auto bad = read_json_object(request, body)) {
    problem = std::move(bad);
    return std::nullopt;
  }
  FieldValidator v;
  claims::AnswerInput input;
  for (const auto& [name, value] : body.items()) {
    if (name == "texts") {
      if (!value.is_array()) {
        v.add("texts", "invalid_type", "must be an array of strings");
        continue;
      }
      for (const auto& t : value) {
        if (!t.is_string()) {
          v.add("texts", "invalid_type", "must be an array of strings");
          break;
        }
        input.texts.push_back(t.get<std::string>());
      }
    } else if (name == "attachments") {
      if (!value.is_array()) {
        v.add("attachments", "invalid_type", "must be an array of objects");
        continue;
      }
      for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string prefix = "attachments[" + std::to_string(i) + "]";
        const json& a = value[i];
        if (!a.is_object() || !a.value("data", json()).is_string() ||
            !a.value("content_type", json()).is_string() || !a.value("title", json()).is_string()) {
          v.add(prefix, "invalid_type", "needs content_type, title and data (base64) as strings");
          continue;
        }
        auto bytes = sdk::base64_decode(a["data"].get<std::string>());
        if (!bytes) {
          v.add(prefix + ".data", "invalid_format", "is not base64");
          continue;
        }
        input.documents.push_back({a["content_type"].get<std::string>(),
                                   a["title"].get<std::string>(), std::move(*bytes)});
      }
    } else if (name == "pages") {
      if (!value.is_array()) {
        v.add("pages", "invalid_type", "must be an array of page names");
        continue;
      }
      for (const auto& page : value) {
        if (!page.is_string()) {
          v.add("pages", "invalid_type", "must be an array of page names");
          break;
        }
        input.pages.push_back(page.get<std::string>());
      }
    } else if (name == "cannot_supply") {
      if (!value.is_boolean()) {
        v.add("cannot_supply", "invalid_type", "must be true or false");
      } else {
        input.cannot_supply = value.get<bool>();
      }
    } else if (name == "reason") {
      if (!value.is_string()) {
        v.add("reason", "invalid_type", "must be a string");
      } else {
        input.reason = value.get<std::string>();
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a member of an answer");
    }
  }
  if (v.ok()) {
    for (auto& [field, message] : claims::check_answer(input)) v.add(field, "invalid", message);
  }
  if (!v.ok()) {
    problem = validation_problem(request, 422, v.take());
    return std::nullopt;
  }
  return input;
}

Response answer(ApiContext& ctx, Request& request, const access::Principal& principal) {
  if (!ctx.answer_information_request) {
    return error_response(request,
                          sdk::Error(sdk::ErrorCode::kUnavailable,
                                     "answering information requests is not available", true));
  }
  const std::string id = request.path_params.at("id");
  {
    // Another facility's request is not found before its body is judged.
    claims::InformationRequestStore requests(*ctx.cipher, *ctx.audit);
    auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return error_response(request, tx.error());
    auto found = requests.get(**tx, principal.facility_id, id, false);
    if (!found.ok()) {
      return error_response(request, found.error(), MessageId::kInformationRequestNotFound);
    }
  }
  std::optional<Response> problem;
  auto input = answer_of(request, problem);
  if (!input) return *problem;
  auto answered =
      ctx.answer_information_request(principal.facility_id, id, *input, request_actor(principal));
  if (!answered.ok()) {
    const sdk::Error& e = answered.error();
    if (e.code == sdk::ErrorCode::kFailedPrecondition) {
      return problem_response(request, 409, MessageId::kInformationRequestAnswered);
    }
    if (e.code == sdk::ErrorCode::kNotFound) {
      return error_response(request, e, MessageId::kInformationRequestNotFound);
    }
    if (e.retryable) {
      return problem_response(request, 503, MessageId::kBillingUnavailable, {e.message});
    }
    return problem_response(request, 502, MessageId::kBillingRefused, {e.message});
  }
  return json_response(200, listed(*answered));
}

}  // namespace

void add_information_request_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/information-requests",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List the payer's information requests about the facility's claims."));
  add_authorized_route(
      router, context, "GET", "/v1/information-requests/{id}",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("Read an information request: what is asked, and what was answered."));
  http::RouteOptions answering = route_options(
      "Answer an information request (text, PDF or JPEG documents, or cannot "
      "supply).",
      {"application/json"});
  answering.body_limit = kAnswerBodyLimit;
  add_authorized_route(
      router, context, "POST", "/v1/information-requests/{id}/answer",
      [&context](Request& r, const access::Principal& p) { return answer(context, r, p); },
      std::move(answering));
}

}  // namespace wasl::api
