// The console's only back end: the hub's /v1 API and its /signin routes,
// called with the browser's session cookie (HttpOnly, SameSite=Strict: the
// page never sees it). The session's CSRF token is read from GET /v1/session
// and kept in memory only; every unsafe method sends it as X-CSRF-Token. An
// API key typed into the sign-in form is exchanged for a session and not
// kept anywhere in the browser.
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
let csrfToken = null;
let lastRequest = 0;  // Date.now() of the last request sent

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// One request with the session's cookie (same origin only); throws ApiError
// on any answer but 2xx, with the problem+json body when there is one.
// `body` is sent as JSON; `raw` (a Blob or File), instead, as its bytes with
// `rawType` as the Content-Type.
async function send(method, target,
  { body, raw, rawType, accept = 'application/json', idempotent = false } = {}) {
  const headers = { Accept: accept };
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (idempotent) headers['Idempotency-Key'] = crypto.randomUUID();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (raw !== undefined) headers['Content-Type'] = rawType || 'application/octet-stream';
  lastRequest = Date.now();
  const response = await fetch(target, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { problem = null; }
    throw new ApiError(response.status, problem);
  }
  return response;
}

async function json(response) {
  const text = await response.text();
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

// GET path (with its query) as JSON; throws ApiError on any other answer.
export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  return json(await send('GET', query.size ? `${path}?${query}` : path));
}

// GET path as bytes (a Blob); throws ApiError on any answer but 2xx.
export async function getBlob(path) {
  return (await send('GET', path, { accept: '*/*' })).blob();
}

// POST path (with `body` as JSON, if given), with a fresh Idempotency-Key so
// a repeated click is one action; throws ApiError on any answer but 2xx.
export async function postJson(path, body) {
  return json(await send('POST', path, { body, idempotent: true }));
}

// POST path (with its query) with a file's bytes as the body, as they are
// (an upload the hub judges by its content); answers the JSON the hub
// answers; throws ApiError on any answer but 2xx. Sent once: the hub keeps
// no Idempotency-Key for an upload.
export async function postFile(path, params, file) {
  const query = new URLSearchParams(params);
  return json(await send('POST', query.size ? `${path}?${query}` : path,
    { raw: file, rawType: file.type }));
}

// PUT path with `body` as JSON (a change that is the same however often it
// is sent); throws ApiError on any answer but 2xx.
export async function putJson(path, body) {
  return json(await send('PUT', path, { body }));
}

// The browser's session: who is signed in, for which facility and role, and
// the CSRF token of the session. ApiError 401 when the browser holds no live
// session. The caller adopts the session it goes on with (adoptSession).
export async function currentSession() {
  return getJson('/v1/session');
}

// Keeps the session's CSRF token (in memory only) for the unsafe methods.
export function adoptSession(session) {
  csrfToken = session?.csrf_token ?? null;
  return session;
}

// The identity providers people sign in with ([] when the hub has none).
export async function signInProviders() {
  return (await getJson('/signin/providers')) ?? [];
}

// Exchanges an API key for a session cookie (403 when the key's facility
// signs people in through its identity provider only), then reads the session.
export async function signInWithKey(key) {
  await send('POST', '/signin/api-key', { body: { key } });
  return adoptSession(await currentSession());
}

// Ends the session; answers the identity provider's logout address, if any,
// for the browser to go to next.
export async function signOut() {
  try {
    const answer = await json(await send('POST', '/signin/logout'));
    return answer?.logout_url ?? null;
  } finally {
    csrfToken = null;
  }
}

// When the console last asked the hub anything (each request may keep the
// session from idling out).
export function lastRequestAt() {
  return lastRequest;
}

// Forgets the CSRF token of a session the hub ended.
export function forgetSession() {
  csrfToken = null;
}
