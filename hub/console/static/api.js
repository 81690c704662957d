// The console's only back end: the hub's /v1 API, called with the operator's
// API key as a bearer token. The key lives in sessionStorage (gone when the
// tab closes), never in a URL or a cookie.
const KEY_ITEM = 'wasl.console.apiKey';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM);
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

// GET path (with its query) as JSON; throws ApiError on any other answer.
export async function getJson(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, value);
  }
  const target = query.size ? `${path}?${query}` : path;
  const response = await fetch(target, {
    headers: { Authorization: `Bearer ${apiKey()}`, Accept: 'application/json' },
    cache: 'no-store',
  });
  const text = await response.text();
  let answer = null;
  try { answer = text ? JSON.parse(text) : null; } catch { answer = null; }
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

// GET path as bytes (a Blob); throws ApiError on any answer but 2xx.
export async function getBlob(path) {
  const response = await fetch(path, {
    headers: { Authorization: `Bearer ${apiKey()}` },
    cache: 'no-store',
  });
  if (!response.ok) {
    let answer = null;
    try { answer = await response.json(); } catch { answer = null; }
    throw new ApiError(response.status, answer);
  }
  return response.blob();
}

// POST path (with `body` as JSON, if given), with a fresh Idempotency-Key so
// a repeated click is one action; throws ApiError on any answer but 2xx.
export async function postJson(path, body) {
  const headers = {
    Authorization: `Bearer ${apiKey()}`,
    Accept: 'application/json',
    'Idempotency-Key': crypto.randomUUID(),
  };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let answer = null;
  try { answer = text ? JSON.parse(text) : null; } catch { answer = null; }
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}
