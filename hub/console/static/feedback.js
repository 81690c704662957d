// Patients' feedback in the console. On a consultation's page: the answer
// to its questionnaire (GET /v1/consultations/{id}/feedback: the two 1-5
// ratings, whether the patient left a comment, and the comment itself only
// when the hub answers it, to roles that read PHI), or that the patient
// has not answered yet (the hub's 404). The Feedback page (GET
// /v1/feedback/summary): the facility's responses and mean ratings over a
// period, the last 30 days unless the operator picks other dates, and the
// same per practitioner.
import { ApiError, getJson } from './api.js';
import { written } from './clinical.js';
import { formatTime, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const DEFAULT_DAYS = 30;

// Set by initFeedback: { signedOutBy(error) } of the page.
let page = null;

// The consultation's feedback for its page: the API's answer, or
// { answered: false } when the patient has not answered (404); any other
// refusal is the page's error.
export async function readFeedback(path) {
  try {
    return { answered: true, ...(await getJson(`${path}/feedback`)) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { answered: false };
    throw error;
  }
}

function rating(value) {
  return t('rating_of_five', { rating: value });
}

// Shows what readFeedback answered, or leaves the part out (null: the role
// may not read feedback).
export function showFeedback(feedback) {
  const part = $('feedback-part');
  part.hidden = feedback === null;
  clearAnswer();
  if (feedback === null) return;
  part.dataset.state = feedback.answered ? 'answered' : 'unanswered';
  $('c-feedback-none').hidden = feedback.answered;
  $('c-feedback').hidden = !feedback.answered;
  if (!feedback.answered) return;
  $('c-feedback-clinician').textContent = rating(feedback.clinician_rating);
  $('c-feedback-connection').textContent = rating(feedback.connection_rating);
  $('c-feedback-answered').textContent = formatTime(feedback.answered_at);
  const comment = $('c-feedback-comment');
  comment.dataset.hasComment = String(feedback.has_comment);
  if ('comment' in feedback) {
    if (feedback.comment) comment.append(written(feedback.comment));
    else comment.textContent = t('feedback_no_comment');
  } else {
    comment.textContent = t(feedback.has_comment ? 'feedback_comment_hidden' : 'feedback_no_comment');
  }
}

function clearAnswer() {
  for (const id of ['c-feedback-clinician', 'c-feedback-connection', 'c-feedback-answered',
    'c-feedback-comment']) {
    $(id).replaceChildren();
  }
  delete $('c-feedback-comment').dataset.hasComment;
  delete $('feedback-part').dataset.state;
  $('c-feedback').hidden = true;
  $('c-feedback-none').hidden = true;
}

// ----- the Feedback page -----

// A date input's value (yyyy-mm-dd) of `date`, in the operator's time zone.
function dateValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// The start of a picked day in the operator's time zone, in RFC 3339 (UTC);
// `days` later when given (the end of the "to" day is the next one's start).
function dayStart(value, days = 0) {
  const [year, month, day] = value.split('-').map(Number);
  return new Date(year, month - 1, day + days).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function mean(value) {
  return value === null || value === undefined ? t('feedback_no_mean') : value.toFixed(2);
}

function cell(tr, content, className) {
  const td = document.createElement('td');
  td.append(content);
  if (className) td.className = className;
  tr.append(td);
}

export async function loadFeedbackPage() {
  const view = $('feedback');
  view.dataset.state = 'loading';
  $('feedback-error').textContent = '';
  if (!$('feedback-from').value || !$('feedback-to').value) {
    const today = new Date();
    $('feedback-to').value = dateValue(today);
    $('feedback-from').value = dateValue(new Date(today.getFullYear(), today.getMonth(),
      today.getDate() - DEFAULT_DAYS));
  }
  try {
    const s = await getJson('/v1/feedback/summary', {
      from: dayStart($('feedback-from').value), to: dayStart($('feedback-to').value, 1),
    });
    const f = s.facility;
    $('feedback-responses').textContent = String(f.responses);
    $('feedback-clinician-mean').textContent = mean(f.clinician_rating_mean);
    $('feedback-connection-mean').textContent = mean(f.connection_rating_mean);
    $('feedback-comments').textContent = String(f.comments);
    const body = $('feedback-practitioners').tBodies[0];
    body.replaceChildren();
    for (const p of s.practitioners) {
      const tr = document.createElement('tr');
      tr.dataset.practitioner = p.practitioner ?? '';
      const who = document.createElement('bdi');
      who.dir = 'ltr';
      who.textContent = p.practitioner ?? t('feedback_no_practitioner');
      cell(tr, who, 'id');
      cell(tr, String(p.responses), 'responses');
      cell(tr, mean(p.clinician_rating_mean), 'clinician-mean');
      cell(tr, mean(p.connection_rating_mean), 'connection-mean');
      cell(tr, String(p.comments), 'comments');
      body.append(tr);
    }
    $('feedback-empty').hidden = s.practitioners.length > 0;
    $('feedback-results').hidden = false;
    view.dataset.state = 'loaded';
  } catch (error) {
    if (page.signedOutBy(error)) return;
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('feedback-error').textContent = fields || error.message;
    $('feedback-results').hidden = true;
    view.dataset.state = 'error';
  }
}

// Wires the page's form once; `host` is the page's: see `page` above.
export function initFeedback(host) {
  page = host;
  $('feedback-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadFeedbackPage();
  });
}

// Forgets every answer and figure shown (signing out), the dates too.
export function clearFeedback() {
  clearAnswer();
  $('feedback-part').hidden = true;
  $('feedback-filters').reset();
  for (const id of ['feedback-responses', 'feedback-clinician-mean', 'feedback-connection-mean',
    'feedback-comments']) {
    $(id).textContent = '';
  }
  $('feedback-practitioners').tBodies[0].replaceChildren();
  $('feedback-results').hidden = true;
  $('feedback-empty').hidden = true;
}
