// Messages: the catalogue of problem titles and details the API answers with,
// in English and Arabic. A client asking `Accept-Language: ar` gets the
// Arabic title and detail; field names, error codes and field messages in
// errors[] stay as they are (clients match on them).
//
// Details may hold placeholders {0}, {1}, … filled by format(); arguments are
// ids, counts and names of fields, never PHI.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hub/http/exchange.hpp"

namespace wasl::api {

enum class Language { kEnglish, kArabic };

// The language to answer `request` in: Arabic when its Accept-Language ranks
// "ar" (or a regional form such as "ar-SA") above English and any other
// language, English otherwise (http::prefers_arabic). q-values are honoured;
// "q=0" excludes.
Language preferred_language(const http::Request& request);

// "en" or "ar", for Content-Language.
std::string_view language_tag(Language language);

enum class MessageId {
  kAuthMissing,
  kAuthInvalid,
  kAuthBlocked,
  kFacilitySuspended,
  kRoleDenied,
  kSessionInvalid,
  kCsrfRejected,
  kApiKeySignInDisabled,
  kBodyNotJson,
  kBodyNotObject,
  kBodyNotUtf8,
  kCharsetUnsupported,
  kValidationFailed,
  kQueryInvalid,
  kIdempotencyKeyMissing,
  kIdempotencyKeyInvalid,
  kIdempotencyMismatch,
  kIdempotencyInProgress,
  kConsultationNotFound,
  kParticipantNotFound,
  kRecordingNotFound,
  kRecordingUnreadable,
  kRecordingStoreUnavailable,
  kRecordingDeleted,
  kClaimNotFound,
  kBillingMessageNotFound,
  kBillingMessageRecorded,
  kPaymentNotFound,
  kInformationRequestNotFound,
  kAdvancedAuthorizationNotFound,
  kNotificationOptOutNotFound,
  kJoinLinkNotFound,
  kJoinLinkExpired,
  kVisitSummaryNotFound,
  kSummaryLinkNotFound,
  kSummaryLinkExpired,
  kFeedbackLinkNotFound,
  kFeedbackLinkGone,
  kFeedbackNotFound,
  kInformationRequestAnswered,
  kWorkflowNotFound,
  kNoRun,
  kConsultationEnded,
  kRunNotRetryable,
  kClaimNotRetryable,
  kClaimRunNotAtSubmission,
  kClaimNotCancellable,
  kClaimNotNullifiable,
  kClaimCancellationPending,
  kClaimCancellationRefused,
  kClaimExchangeRefused,
  kClaimNotResubmittable,
  kClaimResubmittedAlready,
  kClaimNotSent,
  kNoBillingBinding,
  kBillingUnavailable,
  kBillingRefused,
  kParticipantLimit,
  kParticipantRemoved,
  kRoomNotReady,
  kNoVideoRoom,
  kNoVideoBinding,
  kVideoUnavailable,
  kVideoRefused,
  kWorkflowInvalid,
  kWorkflowTooLarge,
  kPluginsUnavailable,
  kPluginInstanceNotFound,
  kResidencyUnavailable,
  kAuditVerificationUnavailable,
  kWorkflowVersionNotFound,
  kWorkflowDiffTooLarge,
  kWebhookNotFound,
  kWebhookNotReplayable,
  kStorageUnavailable,
  kRequestRefusedAsInvalid,
  kStateConflict,
  kChangedConcurrently,
  kProviderDeniedHub,
  kNotSupported,
  kSigninProviderNotFound,
  kLogoutTokenRefused,
  kNoteNotFound,
  kPrescriptionNotFound,
  kNoteSigned,
  kNoteNotSigned,
  kNoteAmendedAlready,
  kPrescriptionNotDraft,
  kPrescriptionCancelled,
  kNotTheAuthor,
  kMedicationBlocked,
  kNoMedicationSystem,
  kObservationNotFound,
  kNoEhrBinding,
  kEhrUnavailable,
  kEhrRefused,
  kSlotTaken,
  kAppointmentHasConsultation,
  kSlotNotFound,
  kNoFreeSlot,
  kDocumentNotFound,
  kDocumentTooLarge,
  kDocumentUnsupported,
  kDocumentMalformed,
  kDocumentInfected,
  kDocumentNotScanned,
  kDocumentStoreUnavailable,
  kDocumentLinkNotFound,
  kDocumentLinkExpired,
  kInternal,  // keep last
};

// The detail text of `id` in `language`, with placeholders unfilled.
std::string_view message_text(MessageId id, Language language);

// The problem title for an HTTP status in `language` ("Not Found" / "غير موجود").
std::string_view status_title(int status, Language language);

// message_text with {0}, {1}, … replaced by `args` (missing ones left as is).
std::string format_message(MessageId id, Language language,
                           const std::vector<std::string>& args = {});

}  // namespace wasl::api
