// Answering the payer's information requests (InformationRequestStore):
// what an operator, or a workflow, sends back through
// billing.answer_information_request.
//
// answer_information_request checks the answer (check_answer), then, in one
// transaction, stores it encrypted and moves the request to `sending`,
// audited: the answer is claimed before it goes out. Then it sends it as the
// facility's provider, about the claim as the exchange knows it (the claim's
// stored request with the key it was sent with), with an idempotency key of
// the request's own, so a resend is the same message. Taken: `answered` (or
// `cannot_supply`). Refused for good (the exchange names the rule): back to
// `open` with the refusal kept as last_error, the answer dropped. Not
// answered (the exchange unreachable): it stays `sending` and the error is
// returned retryable; answering again resends the stored answer unchanged
// (what the caller gives then is not used).
//
// Errors: kInvalidArgument naming what is wrong with the answer (nothing
// stored); kNotFound (another facility's request, like a missing one);
// kFailedPrecondition when the request is already answered; the billing
// lookup's and the plugin's errors (a permanent one is also kept on the
// request); storage errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hub/audit/audit_event.hpp"
#include "hub/claims/claim_poll.hpp"
#include "hub/claims/information_request_store.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

// NPHIES takes messages of at most 10 MB; the documents of one answer, as
// decoded bytes, stay under it.
inline constexpr std::int64_t kMaxAnswerBytes = 10 * 1000 * 1000;
inline constexpr std::size_t kMaxAnswerTexts = 20;
inline constexpr std::size_t kMaxAnswerTextChars = 4000;
inline constexpr std::size_t kMaxAnswerAttachments = 10;

// A document as given: its bytes (not base64).
struct AnswerDocument {
  std::string content_type;  // application/pdf or image/jpeg
  std::string title;
  std::string bytes;
};

struct AnswerInput {
  std::vector<std::string> texts;
  std::vector<AnswerDocument> documents;
  // Summary pages the hub writes from its records and attaches as PDFs
  // (summary_pages.hpp: visit_summary, recording_summary).
  std::vector<std::string> pages;
  bool cannot_supply = false;
  std::string reason;  // required when cannot_supply
};

// Field problems of `input` as (field, message) pairs; empty when it may be
// sent: at most kMaxAnswerTexts texts of 1..kMaxAnswerTextChars characters,
// at most kMaxAnswerAttachments documents, each a PDF (starting %PDF-) or a
// JPEG (starting FF D8 FF) as its content_type says, with a title, all
// together at most kMaxAnswerBytes; pages each named once from
// kSummaryPages, counted with the documents; something to say (a text, a
// document or a page) unless cannot_supply, which needs a reason and takes no
// document or page.
std::vector<std::pair<std::string, std::string>> check_answer(const AnswerInput& input);

// Writes the pages `input` names (summary_pages.hpp, about the request's
// claim) as documents, checks the whole (check_answer: kInvalidArgument
// naming the first problem; a page's own error unchanged), builds the answer
// to the open request `row` (about its claim as sent, with the request's own
// idempotency key) and stores it in `tx`, moving the
// request to sending (InformationRequestStore::store_answer:
// kFailedPrecondition unless open). Nothing is sent: the caller sends it, or
// the billing round does (resend_answers). Answers the answer stored.
sdk::Result<sdk::InformationAnswer> store_answer(const records::CellCipher& cipher,
                                                 const audit::AuditWriter& audit,
                                                 storage::Transaction& tx,
                                                 const InformationRequestRow& row,
                                                 const AnswerInput& input, std::int64_t now_ms,
                                                 const audit::AuditActor& actor);

sdk::Result<InformationRequestRow> answer_information_request(
    const ClaimPollDeps& deps, const std::string& facility_id, const std::string& id,
    const AnswerInput& input, std::int64_t now_ms, const audit::AuditActor& actor);

// resend_answers makes one pass for one facility, inside its billing round:
// each of its requests left `sending` (the exchange did not answer when the
// answer was sent; oldest first, at most kMaxResentAnswers) is sent again as
// the same message, by "system", and settled as answer_information_request
// settles it. The pass ends at the first answer the exchange still does not
// take (unreachable: the next round tries again) or when the plugin has no
// such method; an answer refused for good goes back to open (as above) and
// the pass goes on. Answers how many the exchange took.
//
// Errors: the billing lookup's error; storage errors.
inline constexpr std::size_t kMaxResentAnswers = 20;
sdk::Result<int> resend_answers(const ClaimPollDeps& deps, const std::string& facility_id,
                                std::int64_t now_ms);

}  // namespace wasl::claims
