#include "hub/claims/information_answers.hpp"

#include <spdlog/spdlog.h>
#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "hub/claims/claim_as_sent.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/claims/summary_pages.hpp"
#include "hub/domain/claim.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

bool starts_with(const std::string& bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && bytes.compare(0, magic.size(), magic) == 0;
}

// The document's content matches what its content type says.
std::optional<std::string> document_problem(const AnswerDocument& d) {
  if (d.content_type == "application/pdf") {
    if (!starts_with(d.bytes, "%PDF-")) return "is not a PDF (it does not start with %PDF-)";
    return std::nullopt;
  }
  if (d.content_type == "image/jpeg") {
    if (!starts_with(d.bytes, "\xFF\xD8\xFF")) return "is not a JPEG (it does not start FF D8 FF)";
    return std::nullopt;
  }
  return "content_type must be application/pdf or image/jpeg";
}

std::string answer_json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// check_answer's first problem, as kInvalidArgument naming the field.
sdk::Status first_problem(const AnswerInput& input) {
  auto problems = check_answer(input);
  if (problems.empty()) return {};
  return Error(ErrorCode::kInvalidArgument, problems.front().first + " " + problems.front().second);
}

}  // namespace

Result<sdk::InformationAnswer> store_answer(const records::CellCipher& cipher,
                                            const audit::AuditWriter& audit,
                                            storage::Transaction& tx,
                                            const InformationRequestRow& row,
                                            const AnswerInput& input, std::int64_t now_ms,
                                            const audit::AuditActor& actor) {
  WASL_RETURN_IF_ERROR(first_problem(input));
  // The pages written as documents, then the whole checked again (sizes).
  AnswerInput written = input;
  written.pages.clear();
  for (const std::string& name : input.pages) {
    WASL_ASSIGN_OR_RETURN(SummaryPage page, summary_page(tx, cipher, audit, row.facility_id,
                                                         row.claim_id, name, now_ms));
    written.documents.push_back({page.content_type, page.title, std::move(page.bytes)});
  }
  WASL_RETURN_IF_ERROR(first_problem(written));
  sdk::InformationAnswer answer;
  answer.idempotency_key = "wasl-answer-" + row.id;
  answer.request_id = row.request_id;
  answer.request_system = row.request_system.value_or("");
  // The claim as the exchange knows it (claim_as_sent.hpp).
  WASL_ASSIGN_OR_RETURN(domain::Claim claim,
                        ClaimStore(cipher, audit).get(tx, row.facility_id, row.claim_id));
  WASL_ASSIGN_OR_RETURN(answer.claim, claim_as_sent(claim));
  answer.texts = written.texts;
  for (const AnswerDocument& d : written.documents) {
    answer.attachments.push_back({d.content_type, d.title, sdk::base64_encode(d.bytes),
                                  static_cast<std::int64_t>(d.bytes.size()), now_ms});
  }
  answer.cannot_supply = written.cannot_supply;
  answer.reason = written.reason;
  answer.sent_ms = now_ms;
  WASL_RETURN_IF_ERROR(InformationRequestStore(cipher, audit)
                           .store_answer(tx, row.facility_id, row.id,
                                         answer_json_text(nlohmann::json(answer)), actor, now_ms));
  return answer;
}

std::vector<std::pair<std::string, std::string>> check_answer(const AnswerInput& input) {
  std::vector<std::pair<std::string, std::string>> problems;
  if (input.texts.size() > kMaxAnswerTexts) {
    problems.emplace_back("texts", "at most " + std::to_string(kMaxAnswerTexts) + " texts");
  }
  for (std::size_t i = 0; i < input.texts.size() && i < kMaxAnswerTexts; ++i) {
    const std::string& t = input.texts[i];
    if (t.empty() || t.size() > kMaxAnswerTextChars * 4) {
      problems.emplace_back("texts[" + std::to_string(i) + "]",
                            "must be 1 to " + std::to_string(kMaxAnswerTextChars) + " characters");
    }
  }
  if (input.documents.size() + input.pages.size() > kMaxAnswerAttachments) {
    problems.emplace_back("attachments", "at most " + std::to_string(kMaxAnswerAttachments) +
                                             " documents and pages together");
  }
  for (std::size_t i = 0; i < input.pages.size() && i < kMaxAnswerAttachments; ++i) {
    const std::string& page = input.pages[i];
    const std::string field = "pages[" + std::to_string(i) + "]";
    if (std::find(kSummaryPages.begin(), kSummaryPages.end(), page) == kSummaryPages.end()) {
      problems.emplace_back(field, "must be visit_summary or recording_summary");
    } else if (std::find(input.pages.begin(), input.pages.begin() + static_cast<long>(i), page) !=
               input.pages.begin() + static_cast<long>(i)) {
      problems.emplace_back(field, "names a page already attached");
    }
  }
  std::int64_t total = 0;
  for (std::size_t i = 0; i < input.documents.size() && i < kMaxAnswerAttachments; ++i) {
    const AnswerDocument& d = input.documents[i];
    const std::string field = "attachments[" + std::to_string(i) + "]";
    if (auto problem = document_problem(d)) problems.emplace_back(field, *problem);
    if (d.title.empty() || d.title.size() > 200) {
      problems.emplace_back(field + ".title", "must be 1 to 200 characters");
    }
    total += static_cast<std::int64_t>(d.bytes.size());
  }
  if (total > kMaxAnswerBytes) {
    problems.emplace_back("attachments", "the documents together exceed " +
                                             std::to_string(kMaxAnswerBytes) + " bytes");
  }
  if (input.cannot_supply) {
    if (input.reason.empty() || input.reason.size() > kMaxAnswerTextChars * 4) {
      problems.emplace_back("reason", "is required (why it cannot be supplied)");
    }
    if (!input.documents.empty() || !input.pages.empty()) {
      problems.emplace_back("attachments",
                            "an answer that cannot supply takes no document or page");
    }
  } else if (input.texts.empty() && input.documents.empty() && input.pages.empty()) {
    problems.emplace_back("texts", "give a text, a document or a page, or answer cannot_supply");
  }
  return problems;
}

Result<InformationRequestRow> answer_information_request(
    const ClaimPollDeps& deps, const std::string& facility_id, const std::string& id,
    const AnswerInput& input, std::int64_t now_ms, const audit::AuditActor& actor) {
  InformationRequestStore requests(*deps.cipher, *deps.audit);
  sdk::InformationAnswer answer;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(InformationRequestRow row, requests.get(*tx, facility_id, id, true));
    if (row.state == InformationRequestState::kAnswered ||
        row.state == InformationRequestState::kCannotSupply) {
      return Error(ErrorCode::kFailedPrecondition, "information request " + id + " is answered");
    }
    if (row.state == InformationRequestState::kSending && row.answer) {
      // The last answer's fate is unknown: the same message again.
      try {
        answer = nlohmann::json::parse(*row.answer).get<sdk::InformationAnswer>();
      } catch (const nlohmann::json::exception&) {
        return Error(ErrorCode::kInternal,
                     "information request " + id + ": the stored answer cannot be read");
      }
      tx->rollback();
    } else {
      WASL_ASSIGN_OR_RETURN(
          answer, store_answer(*deps.cipher, *deps.audit, *tx, row, input, now_ms, actor));
      WASL_RETURN_IF_ERROR(tx->commit());
    }
  }
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  auto sent = billing->answer_information_request(answer);
  if (!sent.ok() && sent.error().retryable) return sent.error();  // stays sending
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  if (sent.ok()) {
    WASL_RETURN_IF_ERROR(
        requests.mark_answered(*tx, facility_id, id, answer.cannot_supply, actor, now_ms));
  } else {
    WASL_RETURN_IF_ERROR(
        requests.mark_refused(*tx, facility_id, id, sent.error().message, actor, now_ms));
  }
  WASL_ASSIGN_OR_RETURN(InformationRequestRow row, requests.get(*tx, facility_id, id, false));
  WASL_RETURN_IF_ERROR(tx->commit());
  if (!sent.ok()) return sent.error();
  return row;
}

Result<int> resend_answers(const ClaimPollDeps& deps, const std::string& facility_id,
                           std::int64_t now_ms) {
  std::vector<InformationRequestRow> sending;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadOnly));
    InformationRequestQuery q;
    q.state = InformationRequestState::kSending;
    q.limit = kMaxResentAnswers;
    WASL_ASSIGN_OR_RETURN(
        sending, InformationRequestStore(*deps.cipher, *deps.audit).list(*tx, facility_id, q));
  }
  int settled = 0;
  for (const InformationRequestRow& r : sending) {
    if (deps.keep_alive) deps.keep_alive();
    auto sent =
        answer_information_request(deps, facility_id, r.id, AnswerInput{}, now_ms, "system");
    if (sent.ok()) {
      ++settled;
      continue;
    }
    const sdk::Error& e = sent.error();
    if (e.code == ErrorCode::kUnimplemented || e.retryable) break;
    // Refused for good (kept on the request, now open again), answered by
    // another hub meanwhile, or this one cannot be sent: the others may be.
    spdlog::warn("information request {} of facility {}: its answer was not taken: {}", r.id,
                 facility_id, e.message);
  }
  return settled;
}

}  // namespace wasl::claims
