#include "hub/api/message_catalog.hpp"

#include <array>
#include <utility>

#include "hub/http/accept_language.hpp"

namespace wasl::api {
namespace {

struct Entry {
  MessageId id;
  std::string_view en;
  std::string_view ar;
};

constexpr std::array kMessages = {
    Entry{MessageId::kAuthMissing, "Send the API key as 'Authorization: Bearer <key>'.",
          "أرسل مفتاح الواجهة في الترويسة 'Authorization: Bearer <key>'."},
    Entry{MessageId::kAuthInvalid, "The API key is not valid.", "مفتاح الواجهة غير صالح."},
    Entry{MessageId::kAuthBlocked,
          "Too many failed authentications from this address; retry after {0} seconds.",
          "محاولات مصادقة فاشلة كثيرة من هذا العنوان؛ أعد المحاولة بعد {0} ثانية."},
    Entry{MessageId::kFacilitySuspended, "The facility of this API key is suspended.",
          "المنشأة التابع لها مفتاح الواجهة هذا موقوفة."},
    Entry{MessageId::kRoleDenied, "The role '{0}' may not use this resource.",
          "الدور '{0}' لا يملك صلاحية استخدام هذا المورد."},
    Entry{MessageId::kSessionInvalid,
          "The console session has ended or is not valid; sign in again.",
          "انتهت جلسة لوحة التحكم أو أنها غير صالحة؛ سجّل الدخول مرة أخرى."},
    Entry{MessageId::kCsrfRejected,
          "The request did not come from the console: send the session's X-CSRF-Token from the "
          "hub's own origin.",
          "لم يصدر الطلب عن لوحة التحكم: أرسل رمز X-CSRF-Token الخاص بالجلسة من أصل المحور "
          "نفسه."},
    Entry{MessageId::kApiKeySignInDisabled,
          "This facility signs people in through its identity provider; its API keys cannot "
          "sign in to the console.",
          "تسجّل هذه المنشأة دخول الأشخاص عبر مزوّد الهوية الخاص بها؛ لا يمكن استخدام مفاتيح "
          "الواجهة لتسجيل الدخول إلى لوحة التحكم."},
    Entry{MessageId::kBodyNotJson, "The request body is not valid JSON.",
          "جسم الطلب ليس JSON صالحًا."},
    Entry{MessageId::kBodyNotObject, "The request body must be a JSON object.",
          "يجب أن يكون جسم الطلب كائن JSON."},
    Entry{MessageId::kBodyNotUtf8, "The request body is not valid UTF-8.",
          "جسم الطلب ليس بترميز UTF-8 صالح."},
    Entry{MessageId::kCharsetUnsupported, "Only UTF-8 request bodies are accepted.",
          "لا تُقبل إلا أجسام الطلبات بترميز UTF-8."},
    Entry{MessageId::kValidationFailed, "The request has {0} invalid field(s); see errors.",
          "يحتوي الطلب على {0} من الحقول غير الصالحة؛ راجع errors."},
    Entry{MessageId::kQueryInvalid, "The query has {0} invalid parameter(s); see errors.",
          "يحتوي الاستعلام على {0} من المعاملات غير الصالحة؛ راجع errors."},
    Entry{MessageId::kIdempotencyKeyMissing,
          "Send an Idempotency-Key header with every request that creates a consultation.",
          "أرسل الترويسة Idempotency-Key مع كل طلب ينشئ استشارة."},
    Entry{MessageId::kIdempotencyKeyInvalid,
          "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
          "يجب أن يتكون Idempotency-Key من 1 إلى 255 محرفًا مرئيًا من ASCII."},
    Entry{MessageId::kIdempotencyMismatch,
          "This Idempotency-Key was already used with a different request.",
          "سبق استخدام Idempotency-Key هذا مع طلب مختلف."},
    Entry{MessageId::kIdempotencyInProgress,
          "A request with this Idempotency-Key is still being processed; retry shortly.",
          "ما زال طلب بهذا Idempotency-Key قيد المعالجة؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kConsultationNotFound, "No consultation with this id exists.",
          "لا توجد استشارة بهذا المعرّف."},
    Entry{MessageId::kParticipantNotFound,
          "No participant with this id exists in the consultation.",
          "لا يوجد مشارك بهذا المعرّف في الاستشارة."},
    Entry{MessageId::kRecordingUnreadable,
          "The recording's file is damaged or is not this recording's; it was not served. "
          "The incident is logged and audited.",
          "ملف التسجيل تالف أو ليس لهذا التسجيل؛ لم يُرسَل. سُجّلت الحادثة في السجل وسجل التدقيق."},
    Entry{MessageId::kRecordingStoreUnavailable,
          "The store that holds the recording is busy or unreachable; retry shortly.",
          "المخزن الذي يحفظ التسجيل مشغول أو يتعذر الوصول إليه؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kRecordingDeleted,
          "The recording was deleted; its legal hold can no longer change.",
          "حُذف التسجيل؛ لم يعد من الممكن تغيير الحجز القانوني عليه."},
    Entry{MessageId::kRecordingNotFound, "No recording with this id exists.",
          "لا يوجد تسجيل بهذا المعرّف."},
    Entry{MessageId::kClaimNotFound, "No claim with this id exists.",
          "لا توجد مطالبة بهذا المعرّف."},
    Entry{MessageId::kBillingMessageNotFound, "No billing message with this id exists.",
          "لا توجد رسالة فوترة بهذا المعرّف."},
    Entry{MessageId::kInformationRequestNotFound, "No information request with this id exists.",
          "لا يوجد طلب معلومات بهذا المعرّف."},
    Entry{MessageId::kInformationRequestAnswered, "This information request is already answered.",
          "تمت الإجابة عن طلب المعلومات هذا بالفعل."},
    Entry{MessageId::kBillingMessageRecorded,
          "This billing message is already recorded; only unmatched, unreadable and error "
          "messages are replayed.",
          "رسالة الفوترة هذه مسجّلة بالفعل؛ لا يُعاد تمرير إلا الرسائل غير المطابقة أو غير "
          "المقروءة أو رسائل الخطأ."},
    Entry{MessageId::kPaymentNotFound, "No payment with this id exists.",
          "لا توجد دفعة بهذا المعرّف."},
    Entry{MessageId::kAdvancedAuthorizationNotFound,
          "No advanced authorization with this id exists.", "لا يوجد تفويض مسبق بهذا المعرّف."},
    Entry{MessageId::kNotificationOptOutNotFound,
          "This patient has not opted out of the facility's messages.",
          "لم يطلب هذا المريض إيقاف رسائل المنشأة."},
    Entry{MessageId::kJoinLinkNotFound, "No join link with this code exists.",
          "لا يوجد رابط دخول بهذا الرمز."},
    Entry{MessageId::kJoinLinkExpired,
          "This join link has expired or its consultation is over; ask the facility for a new "
          "appointment.",
          "انتهت صلاحية رابط الدخول هذا أو انتهت استشارته؛ تواصل مع المنشأة لحجز موعد جديد."},
    Entry{MessageId::kVisitSummaryNotFound,
          "This consultation has no visit summary yet: one is made when it completes with a "
          "signed note.",
          "لا يوجد ملخص زيارة لهذه الاستشارة بعد: يُعدّ الملخص عند اكتمالها بملاحظة موقّعة."},
    Entry{MessageId::kSummaryLinkNotFound, "No visit summary link with this code exists.",
          "لا يوجد رابط لملخص زيارة بهذا الرمز."},
    Entry{MessageId::kSummaryLinkExpired,
          "This visit summary link has expired; ask the facility for your summary.",
          "انتهت صلاحية رابط ملخص الزيارة هذا؛ تواصل مع المنشأة للحصول على ملخصك."},
    Entry{MessageId::kFeedbackLinkNotFound, "No feedback link with this code exists.",
          "لا يوجد رابط تقييم بهذا الرمز."},
    Entry{MessageId::kFeedbackLinkGone,
          "This feedback link has been used or has expired; each link answers once.",
          "تم استخدام رابط التقييم هذا أو انتهت صلاحيته؛ يقبل كل رابط إجابة واحدة."},
    Entry{MessageId::kFeedbackNotFound, "The patient has not answered the feedback questionnaire.",
          "لم يُجب المريض على استبيان التقييم."},
    Entry{MessageId::kWorkflowNotFound, "No workflow of this name is deployed.",
          "لا يوجد سير عمل منشور بهذا الاسم."},
    Entry{MessageId::kNoRun, "This consultation has no workflow run.",
          "لا يوجد تشغيل لسير العمل لهذه الاستشارة."},
    Entry{MessageId::kConsultationEnded, "The consultation is {0}; it can no longer be changed.",
          "حالة الاستشارة {0}؛ لم يعد بالإمكان تغييرها."},
    Entry{MessageId::kRunNotRetryable,
          "Only a failed workflow run can be retried; this one is {0}.",
          "لا يمكن إعادة المحاولة إلا لتشغيل فاشل؛ حالة هذا التشغيل {0}."},
    Entry{MessageId::kClaimNotRetryable,
          "The claim is {0}; only a claim whose submission failed can be resubmitted.",
          "حالة المطالبة {0}؛ لا يُعاد إرسال إلا مطالبة فشل إرسالها."},
    Entry{MessageId::kClaimRunNotAtSubmission,
          "The consultation's workflow run is {0} at step '{1}', not at the claim's submission; "
          "retry the consultation instead.",
          "تشغيل سير عمل الاستشارة في حالة {0} عند الخطوة '{1}' وليس عند إرسال المطالبة؛ "
          "أعد محاولة الاستشارة بدلًا من ذلك."},
    Entry{MessageId::kClaimNotCancellable,
          "The claim is {0}; only a claim the payer has not adjudicated (submitted, queued, "
          "in_doubt) can be cancelled.",
          "حالة المطالبة {0}؛ لا تُلغى إلا مطالبة لم يبتّ فيها الدافع (مُرسلة أو في قائمة الانتظار "
          "أو غير مؤكدة)."},
    Entry{MessageId::kClaimNotNullifiable,
          "The claim is {0}; only an adjudicated claim not yet paid (approved, partial, "
          "rejected) can be nullified.",
          "حالة المطالبة {0}؛ لا تُبطل إلا مطالبة بتّ فيها الدافع ولم تُدفع (مقبولة أو مقبولة جزئياً "
          "أو مرفوضة)."},
    Entry{MessageId::kClaimCancellationPending,
          "A {0} of this claim is on its way and its answer is not known; send that request "
          "again.",
          "طلب {0} لهذه المطالبة في طريقه ولم تُعرف إجابته بعد؛ أعد إرسال ذلك الطلب."},
    Entry{MessageId::kClaimCancellationRefused,
          "The exchange refused the {0}; the claim is unchanged. {1}",
          "رفضت المنصة طلب {0}؛ لم تتغير المطالبة. {1}"},
    Entry{MessageId::kClaimExchangeRefused,
          "The exchange refused the message as invalid; the claim is unchanged. {0}",
          "رفضت المنصة الرسالة لعدم صحتها؛ لم تتغير المطالبة. {0}"},
    Entry{MessageId::kClaimNotResubmittable,
          "The claim is {0}; only a rejected claim can be resubmitted.",
          "حالة المطالبة {0}؛ لا يُعاد تقديم إلا مطالبة مرفوضة."},
    Entry{MessageId::kClaimResubmittedAlready, "The claim is resubmitted already as claim {0}.",
          "أُعيد تقديم المطالبة بالفعل بوصفها المطالبة {0}."},
    Entry{MessageId::kClaimNotSent,
          "The exchange never answered this claim, so it cannot be named to the exchange.",
          "لم تُجب المنصة عن هذه المطالبة قط، فلا يمكن الإشارة إليها لدى المنصة."},
    Entry{MessageId::kNoBillingBinding,
          "This facility has no billing binding with billing settings to poll.",
          "لا يوجد لهذه المنشأة ربط فوترة بإعدادات فوترة للاستعلام."},
    Entry{MessageId::kBillingUnavailable, "The billing exchange did not answer; retry shortly. {0}",
          "لم تستجب منصة الفوترة؛ أعد المحاولة بعد قليل. {0}"},
    Entry{MessageId::kBillingRefused, "The billing exchange refused the request. {0}",
          "رفضت منصة الفوترة الطلب. {0}"},
    Entry{MessageId::kParticipantLimit,
          "The consultation already has {0} participants, the limit for its type.",
          "بلغت الاستشارة الحد الأقصى لنوعها وهو {0} من المشاركين."},
    Entry{MessageId::kParticipantRemoved, "The participant was removed; add them again.",
          "أُزيل هذا المشارك؛ أضفه من جديد."},
    Entry{MessageId::kRoomNotReady, "The video room is not open yet; retry shortly.",
          "غرفة الفيديو لم تُفتح بعد؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kNoVideoRoom, "The consultation has no video room to end.",
          "لا توجد غرفة فيديو لهذه الاستشارة لإنهائها."},
    Entry{MessageId::kNoVideoBinding, "No video provider is configured for this facility.",
          "لم يُضبط مزود فيديو لهذه المنشأة."},
    Entry{MessageId::kVideoUnavailable, "The video provider did not answer; retry shortly.",
          "لم يستجب مزود الفيديو؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kVideoRefused, "The video provider refused the request.",
          "رفض مزود الفيديو الطلب."},
    Entry{MessageId::kWorkflowInvalid, "The workflow file has {0} problem(s); see errors.",
          "في ملف سير العمل {0} من المشكلات؛ راجع errors."},
    Entry{MessageId::kWorkflowTooLarge,
          "The workflow file expands beyond what a workflow may hold: {0}",
          "ملف سير العمل يتجاوز عند توسيعه ما يسمح به: {0}"},
    Entry{MessageId::kPluginsUnavailable, "The plugin host is not running.",
          "مضيف الإضافات لا يعمل."},
    Entry{MessageId::kPluginInstanceNotFound, "This facility has no plugin instance by that name.",
          "لا توجد لهذه المنشأة نسخة إضافة بهذا الاسم."},
    Entry{MessageId::kResidencyUnavailable,
          "This server has no configuration of this facility to say where its data goes.",
          "لا يملك هذا الخادم إعدادات هذه المنشأة ليبيّن أين تُعالَج بياناتها."},
    Entry{MessageId::kAuditVerificationUnavailable,
          "This server does not verify the audit chain; run `wasl audit verify`.",
          "لا يتحقق هذا الخادم من سلسلة التدقيق؛ شغّل `wasl audit verify`."},
    Entry{MessageId::kWorkflowVersionNotFound, "The workflow {0} has no deployed version {1}.",
          "لا توجد لسير العمل {0} نسخة منشورة رقمها {1}."},
    Entry{MessageId::kWorkflowDiffTooLarge,
          "Version {0} of the workflow is too large to compare ({1}); a diff compares sources of "
          "at most {2}.",
          "النسخة {0} من سير العمل أكبر من أن تُقارن ({1})؛ لا تُقارن إلا المصادر التي لا تتجاوز "
          "{2}."},
    Entry{MessageId::kWebhookNotFound, "No webhook event with the id {0} exists.",
          "لا يوجد حدث webhook بالمعرّف {0}."},
    Entry{MessageId::kWebhookNotReplayable,
          "The webhook event {0} is {1}; only an unmatched or parked one can be replayed.",
          "حدث webhook ذو المعرّف {0} في الحالة {1}؛ لا يُعاد إلا الحدث غير المطابق أو المُوقَف."},
    Entry{MessageId::kStorageUnavailable, "The database is busy or unreachable; retry shortly.",
          "قاعدة البيانات مشغولة أو يتعذر الوصول إليها؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kRequestRefusedAsInvalid,
          "The request was refused as invalid; correct it before sending it again.",
          "رُفض الطلب لأنه غير صالح؛ صحّحه قبل إرساله مرة أخرى."},
    Entry{MessageId::kStateConflict, "The request does not fit the current state of the resource.",
          "لا يتوافق الطلب مع الحالة الحالية للمورد."},
    Entry{MessageId::kChangedConcurrently,
          "The resource was changed by another request at the same time; retry the request.",
          "غيّر طلب آخر المورد في الوقت نفسه؛ أعد إرسال الطلب."},
    Entry{MessageId::kProviderDeniedHub,
          "A provider refused the hub's credentials for this request.",
          "رفض أحد المزودين بيانات اعتماد المنصة لهذا الطلب."},
    Entry{MessageId::kNotSupported, "The configured provider does not support this operation.",
          "المزود المضبوط لا يدعم هذه العملية."},
    Entry{MessageId::kSigninProviderNotFound, "No identity provider of that name is configured.",
          "لا يوجد مزوّد هوية مُعَدّ بهذا الاسم."},
    Entry{MessageId::kLogoutTokenRefused,
          "The logout token is missing, not valid, or was used before; no session was ended.",
          "رمز تسجيل الخروج مفقود أو غير صالح أو سبق استخدامه؛ لم تُنهَ أي جلسة."},
    Entry{MessageId::kNoteNotFound, "No note with this id exists in the consultation.",
          "لا توجد ملاحظة بهذا المعرّف في الاستشارة."},
    Entry{MessageId::kPrescriptionNotFound,
          "No prescription with this id exists in the consultation.",
          "لا توجد وصفة طبية بهذا المعرّف في الاستشارة."},
    Entry{MessageId::kNoteSigned,
          "The note is signed and can no longer change; amend it to write a new version.",
          "الملاحظة موقّعة ولم يعد بالإمكان تغييرها؛ عدّلها بإنشاء إصدار جديد."},
    Entry{MessageId::kNoteNotSigned,
          "Only a signed note can be amended; this one is a draft, change it instead.",
          "لا يُعدَّل إلا ملاحظة موقّعة؛ هذه مسودة، فغيّرها مباشرة."},
    Entry{MessageId::kNoteAmendedAlready,
          "This version of the note was amended already; amend the latest version.",
          "عُدّل هذا الإصدار من الملاحظة من قبل؛ عدّل أحدث إصدار."},
    Entry{MessageId::kPrescriptionNotDraft, "The prescription is {0}; only a draft can be signed.",
          "حالة الوصفة الطبية {0}؛ لا يُوقَّع إلا على مسودة."},
    Entry{MessageId::kPrescriptionCancelled, "The prescription is cancelled already.",
          "الوصفة الطبية ملغاة بالفعل."},
    Entry{MessageId::kNotTheAuthor, "Only the author of a draft may change or sign it.",
          "لا يغيّر المسودة أو يوقّع عليها إلا كاتبها."},
    Entry{MessageId::kMedicationBlocked,
          "This medication is never prescribed by telehealth at this facility (rule {0}).",
          "لا يُوصف هذا الدواء عن بُعد في هذه المنشأة (القاعدة {0})."},
    Entry{MessageId::kNoMedicationSystem,
          "The facility has no medication code system ({0}); it takes no prescriptions.",
          "لم تُضبط للمنشأة منظومة ترميز للأدوية ({0})؛ فلا تقبل وصفات طبية."},
    Entry{MessageId::kObservationNotFound,
          "No vital sign observation with this id exists in the consultation.",
          "لا توجد قراءة علامة حيوية بهذا المعرّف في الاستشارة."},
    Entry{MessageId::kNoEhrBinding, "No EHR is configured for this facility.",
          "لم يُضبط سجل صحي إلكتروني لهذه المنشأة."},
    Entry{MessageId::kEhrUnavailable, "The EHR did not answer; retry shortly.",
          "لم يستجب السجل الصحي الإلكتروني؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kEhrRefused, "The EHR refused the request.",
          "رفض السجل الصحي الإلكتروني الطلب."},
    Entry{MessageId::kSlotTaken, "The slot {0} is no longer free; choose another.",
          "الموعد {0} لم يعد متاحًا؛ اختر موعدًا آخر."},
    Entry{MessageId::kAppointmentHasConsultation,
          "Appointment {0} already has consultation {1} in this facility; cancel it before "
          "booking the appointment again.",
          "للموعد {0} استشارة قائمة {1} في هذه المنشأة؛ ألغِها قبل حجز الموعد مرة أخرى."},
    Entry{MessageId::kSlotNotFound, "The facility's EHR has no slot with this id.",
          "لا يوجد في السجل الصحي الإلكتروني للمنشأة موعد بهذا المعرّف."},
    Entry{MessageId::kNoFreeSlot, "The service {0} has no free slot in the window asked for.",
          "لا يوجد موعد متاح لدى الخدمة {0} في الفترة المطلوبة."},
    Entry{MessageId::kDocumentNotFound,
          "No shared document with this id exists in the consultation.",
          "لا يوجد مستند مشترك بهذا المعرّف في الاستشارة."},
    Entry{MessageId::kDocumentTooLarge, "A shared document may be at most 10 MiB.",
          "لا يتجاوز حجم المستند المشترك 10 ميغابايت."},
    Entry{MessageId::kDocumentUnsupported,
          "Only PDF, JPEG and PNG files are accepted, judged by their content ({0}).",
          "لا تُقبل إلا ملفات PDF وJPEG وPNG، ويُحكم على نوعها من محتواها ({0})."},
    Entry{MessageId::kDocumentMalformed, "The file is damaged or not what it claims to be ({0}).",
          "الملف تالف أو ليس على الصيغة التي يبدو عليها ({0})."},
    Entry{MessageId::kDocumentInfected, "The virus scanner refused the file ({0}).",
          "رفض فاحص الفيروسات الملف ({0})."},
    Entry{MessageId::kDocumentNotScanned,
          "The file could not be scanned for viruses, so it was not accepted; try again shortly.",
          "تعذّر فحص الملف من الفيروسات فلم يُقبل؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kDocumentStoreUnavailable,
          "The document store is not answering; try again shortly.",
          "مخزن المستندات لا يستجيب؛ أعد المحاولة بعد قليل."},
    Entry{MessageId::kDocumentLinkNotFound, "This download link does not exist.",
          "رابط التنزيل هذا غير موجود."},
    Entry{MessageId::kDocumentLinkExpired, "This download link has expired; ask for a new one.",
          "انتهت صلاحية رابط التنزيل هذا؛ اطلب رابطًا جديدًا."},
    Entry{MessageId::kInternal, "The server could not complete the request.",
          "تعذر على الخادم إتمام الطلب."},
};

struct Title {
  int status;
  std::string_view en;
  std::string_view ar;
};

constexpr std::array kTitles = {
    Title{400, "Bad Request", "طلب غير صالح"},
    Title{401, "Unauthorized", "غير مصادَق عليه"},
    Title{403, "Forbidden", "ممنوع"},
    Title{404, "Not Found", "غير موجود"},
    Title{405, "Method Not Allowed", "الطريقة غير مسموح بها"},
    Title{409, "Conflict", "تعارض"},
    Title{410, "Gone", "لم يعد متاحًا"},
    Title{413, "Payload Too Large", "حمولة الطلب كبيرة جدًا"},
    Title{415, "Unsupported Media Type", "نوع وسائط غير مدعوم"},
    Title{422, "Unprocessable Content", "محتوى غير قابل للمعالجة"},
    Title{429, "Too Many Requests", "طلبات كثيرة جدًا"},
    Title{500, "Internal Server Error", "خطأ داخلي في الخادم"},
    Title{501, "Not Implemented", "غير مُنفَّذ"},
    Title{502, "Bad Gateway", "بوابة غير صالحة"},
    Title{503, "Service Unavailable", "الخدمة غير متاحة"},
};

}  // namespace

Language preferred_language(const http::Request& request) {
  return http::prefers_arabic(request) ? Language::kArabic : Language::kEnglish;
}

std::string_view language_tag(Language language) {
  return language == Language::kArabic ? "ar" : "en";
}

std::string_view message_text(MessageId id, Language language) {
  for (const Entry& e : kMessages) {
    if (e.id == id) return language == Language::kArabic ? e.ar : e.en;
  }
  return language == Language::kArabic ? kMessages.back().ar : kMessages.back().en;
}

std::string_view status_title(int status, Language language) {
  for (const Title& t : kTitles) {
    if (t.status == status) return language == Language::kArabic ? t.ar : t.en;
  }
  return language == Language::kArabic ? "خطأ" : "Error";
}

std::string format_message(MessageId id, Language language, const std::vector<std::string>& args) {
  std::string_view text = message_text(id, language);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 2 < text.size() && text[i + 2] == '}' && text[i + 1] >= '0' &&
        text[i + 1] <= '9') {
      std::size_t n = static_cast<std::size_t>(text[i + 1] - '0');
      if (n < args.size()) {
        out += args[n];
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace wasl::api
