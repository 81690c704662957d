// English and Arabic labels. Arabic is chosen by the operator (the language
// button, kept for the tab) or by the browser's language; the document then
// gets lang="ar" dir="rtl" and the CSS, written in logical properties,
// mirrors itself.
const LANGUAGE_ITEM = 'wasl.console.language';

const LABELS = {
  en: {
    title: 'Wasl console',
    other_language: 'العربية',
    sign_in: 'Sign in',
    sign_out: 'Sign out',
    api_key: 'API key',
    consultations: 'Consultations',
    status: 'Status',
    any: 'Any',
    from: 'Scheduled from',
    to: 'Scheduled to',
    patient_identifier: 'Patient identifier',
    search: 'Search',
    scheduled_at: 'Scheduled',
    patient: 'Patient',
    workflow: 'Workflow',
    id: 'Id',
    none_found: 'No consultations match.',
    more: 'More',
    bad_key: 'This API key is not valid.',
    back: 'Back to the list',
    consultation: 'Consultation',
    run_status: 'Run',
    timeline: 'Timeline',
    step: 'Step',
    attempt: 'Attempt',
    started: 'Started',
    duration: 'Duration',
    error: 'Error',
    events: 'Events received',
    participants: 'Participants',
    recordings: 'Recordings',
    claims: 'Claims',
    nothing: 'None',
    retry: 'Retry from the failed step',
    cancel: 'Cancel the consultation',
    keep: 'Do nothing',
    confirm: 'Confirm',
    confirm_retry: 'Run step “{step}” of this consultation again, from attempt {attempt}. The action is audited under your API key.',
    confirm_cancel: 'Cancel consultation {id}: its workflow stops and its compensations run. This cannot be undone. The action is audited under your API key.',
    retried: 'Retry requested.',
    cancelled: 'Cancelled.',
    workflows: 'Workflows',
    name: 'Name',
    version: 'Version',
    deployed_at: 'Deployed',
    deployed_by: 'By',
    checksum: 'Checksum',
  },
  ar: {
    title: 'وصل - لوحة التشغيل',
    other_language: 'English',
    sign_in: 'تسجيل الدخول',
    sign_out: 'تسجيل الخروج',
    api_key: 'مفتاح الواجهة البرمجية',
    consultations: 'الاستشارات',
    status: 'الحالة',
    any: 'الكل',
    from: 'موعد من',
    to: 'موعد إلى',
    patient_identifier: 'هوية المريض',
    search: 'بحث',
    scheduled_at: 'الموعد',
    patient: 'المريض',
    workflow: 'سير العمل',
    id: 'المعرف',
    none_found: 'لا توجد استشارات مطابقة.',
    more: 'المزيد',
    bad_key: 'مفتاح الواجهة البرمجية غير صالح.',
    back: 'العودة إلى القائمة',
    consultation: 'الاستشارة',
    run_status: 'التشغيل',
    timeline: 'المخطط الزمني',
    step: 'الخطوة',
    attempt: 'المحاولة',
    started: 'البداية',
    duration: 'المدة',
    error: 'الخطأ',
    events: 'الأحداث المستلمة',
    participants: 'المشاركون',
    recordings: 'التسجيلات',
    claims: 'المطالبات',
    nothing: 'لا يوجد',
    retry: 'إعادة المحاولة من الخطوة الفاشلة',
    cancel: 'إلغاء الاستشارة',
    keep: 'تراجع',
    confirm: 'تأكيد',
    confirm_retry: 'ستُعاد الخطوة «{step}» لهذه الاستشارة بدءاً من المحاولة {attempt}. يُسجَّل الإجراء في سجل التدقيق باسم مفتاحك.',
    confirm_cancel: 'ستُلغى الاستشارة {id}: يتوقف سير العمل وتُنفَّذ إجراءات التعويض. لا يمكن التراجع عن ذلك. يُسجَّل الإجراء في سجل التدقيق باسم مفتاحك.',
    retried: 'طُلبت إعادة المحاولة.',
    cancelled: 'أُلغيت.',
    workflows: 'سير العمل',
    name: 'الاسم',
    version: 'الإصدار',
    deployed_at: 'تاريخ النشر',
    deployed_by: 'بواسطة',
    checksum: 'البصمة',
  },
};

export function language() {
  const chosen = sessionStorage.getItem(LANGUAGE_ITEM);
  if (chosen === 'ar' || chosen === 'en') return chosen;
  return (navigator.language || '').toLowerCase().startsWith('ar') ? 'ar' : 'en';
}

export function setLanguage(lang) {
  sessionStorage.setItem(LANGUAGE_ITEM, lang);
  apply();
}

export function t(name, values = {}) {
  const text = LABELS[language()][name] ?? LABELS.en[name] ?? name;
  return text.replace(/\{(\w+)\}/g, (_, key) => String(values[key] ?? ''));
}

export function apply() {
  const lang = language();
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === 'ar' ? 'rtl' : 'ltr';
  document.title = t('title');
  for (const element of document.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
}

export function formatTime(iso) {
  if (!iso) return '';
  const locale = language() === 'ar' ? 'ar-SA-u-ca-gregory-nu-latn' : 'en-GB';
  return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}
