// People sign in to the console through the hospital's OpenID Connect
// provider (the OIDC peer of tests/peers/oidc, a real oidc-provider), in
// chromium against the real hub: an integrator with multi-factor sign-in
// sees the facility's consultations and the header names them; the same
// group without it is refused; a clinician of one facility never sees
// another's consultation; an idle session ends; the provider's back-channel
// logout ends the session at its next request; the session cookie replayed
// from another origin does nothing; sign-out ends the session at the hub and
// goes to the provider; the audit page names the person; and a facility that
// does not allow API keys in the console says so.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  fill, freePort, launchBrowser, newPage, screenshot, startHub, startOidcPeer,
} from '../lib/harness.js';

const PROVIDER = 'hospital';
const USERS = {
  nadia: { username: 'nadia', password: 'nadia-pass-4821', sub: 'sub-nadia-0001', name: 'Nadia Al-Harbi',
    email: 'nadia@hospital-a.test', groups: ['a-integrators'], mfa: true },
  omar: { username: 'omar', password: 'omar-pass-7314', sub: 'sub-omar-0002', name: 'Omar Saleh',
    email: 'omar@hospital-a.test', groups: ['a-integrators'], mfa: false },
  layla: { username: 'layla', password: 'layla-pass-5520', sub: 'sub-layla-0003', name: 'Layla Haddad',
    email: 'layla@hospital-a.test', groups: ['a-clinicians'], fhir_user: 'Practitioner/3', mfa: true },
  huda: { username: 'huda', password: 'huda-pass-9043', sub: 'sub-huda-0004', name: 'Huda Nasser',
    email: 'huda@hospital-a.test', groups: ['a-integrators'], mfa: true },
};

let dir;
let idp;
let hub;       // hospital-a (API keys allowed) and hospital-b (identity provider only)
let idleHub;   // the same, with a 3 s idle timeout
let chromium;
let browser;
let hospitalA;
const inA = [];
let inB;

function booking(i, facility) {
  return {
    type: 'doctor_patient', appointment_id: `signin-${facility}-${i}`,
    scheduled_at: new Date(Date.now() + (i + 2) * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: `p${i}`, name: `Patient ${i}`,
      identifiers: [{ kind: 'national_id', value: String(1100000000 + i * 7919) }] },
    practitioner: { id: '3', name: 'Dr Layla' },
  };
}

// The hub's signin section for the provider, its client and idle timeout.
function signinLines(hubPort, clientId, idle) {
  return [
    'signin:',
    `  public_url: http://127.0.0.1:${hubPort}`,
    `  session: { idle_timeout: ${idle}, absolute_lifetime: 8h }`,
    '  mfa:',
    '    roles: [admin, integrator, clinician]',
    '    amr: [mfa, otp, hwk]',
    '  providers:',
    `    ${PROVIDER}:`,
    '      label: { en: Hospital account, ar: حساب المستشفى }',
    `      issuer: ${idp.base}`,
    `      client_id: ${clientId}`,
    `      client_secret: \${file:${path.join(dir, `${clientId}.secret`)}}`,
    '      scopes: [openid, profile, email]',
    '      groups_claim: groups',
    '      practitioner_claim: fhir_user',
    '      rules:',
    '        - { group: a-integrators, facility: hospital-a, role: integrator }',
    '        - { group: a-clinicians, facility: hospital-a, role: clinician }',
  ];
}

function client(clientId, hubPort) {
  const base = `http://127.0.0.1:${hubPort}`;
  return {
    client_id: clientId,
    client_secret: `${clientId}-secret-5f1c2a9e7d3b4c60`,
    redirect_uris: [`${base}/signin/${PROVIDER}/callback`],
    post_logout_redirect_uris: [`${base}/console/`],
    backchannel_logout_uri: `${base}/signin/${PROVIDER}/backchannel-logout`,
  };
}

before(async () => {
  chromium = launchBrowser();
  dir = await mkdtemp(path.join(tmpdir(), 'wasl-console-signin-'));
  const [idpPort, hubPort, idlePort] = [await freePort(), await freePort(), await freePort()];
  const clients = [client('wasl-console', hubPort), client('wasl-idle', idlePort)];
  for (const c of clients) await writeFile(path.join(dir, `${c.client_id}.secret`), c.client_secret);
  idp = await startOidcPeer({
    port: idpPort,
    config: { issuer: `http://127.0.0.1:${idpPort}`, clients, users: Object.values(USERS) },
  });
  hub = await startHub({ port: hubPort, keySignIn: ['hospital-a'],
    extra: signinLines(hubPort, 'wasl-console', '15m') });
  idleHub = await startHub({ port: idlePort, extra: signinLines(idlePort, 'wasl-idle', '3s') });
  hospitalA = await hub.apiKey('hospital-a', 'hospital');
  for (let i = 0; i < 3; i++) {
    const made = await hub.api('POST', '/v1/consultations', hospitalA, booking(i, 'a'), `signin-a-${i}`);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    inA.push(made.body.id);
  }
  const hospitalB = await hub.apiKey('hospital-b', 'hospital');
  const made = await hub.api('POST', '/v1/consultations', hospitalB, booking(9, 'b'), 'signin-b-9');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  inB = made.body.id;
  browser = await chromium.ready();
});

after(async () => {
  // The browser's connections closed first: the hub's stop waits for open ones.
  await chromium?.close();
  await Promise.all([hub?.stop(), idleHub?.stop()]);
  await idp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// Polls `probe` until it answers truthy, or fails after `ms`.
async function until(probe, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The console's provider button, then the provider's login form; resolves
// once the browser is back at the hub (the console, or the refusal page).
async function signInAtProvider(page, at, user) {
  await page.goto(`${at.base}/console/`, { waitUntil: 'load' });
  const button = await page.waitForSelector(`#providers button[data-provider=${PROVIDER}]`,
    { visible: true });
  await Promise.all([page.waitForNavigation(), button.click()]);
  assert.ok(page.url().startsWith(`${idp.base}/`), page.url());
  await page.waitForSelector('input[name=username]');
  await fill(page, 'input[name=username]', user.username);
  await fill(page, 'input[name=password]', user.password);
  await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
  await until(() => page.url().startsWith(`${at.base}/`), 15_000, 'back at the hub');
}

// The page's problems on the hub's own origin (the provider's pages are
// not the console's).
function hubProblems(problems) {
  return problems.filter((p) => !p.includes(idp.base));
}

async function sessionCookie(context) {
  const cookie = (await context.cookies()).find((c) => c.name === 'wasl_session');
  assert.ok(cookie, 'the hub set its session cookie');
  return cookie;
}

// GET /v1/session with a cookie replayed outside the browser.
async function sessionWith(at, cookie) {
  const response = await fetch(`${at.base}/v1/session`, {
    headers: { Cookie: `wasl_session=${cookie.value}` },
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

function rowIds(page) {
  return page.$$eval('#consultation-list tbody tr', (rows) => rows.map((r) => r.dataset.id));
}

test('an integrator signs in with multi-factor at the provider and sees the facility\'s consultations', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await page.waitForSelector('#providers button', { visible: true });
    assert.equal(await page.$eval('#providers button', (b) => b.textContent), 'Sign in with Hospital account');
    await screenshot(page, 'signin-providers');

    await signInAtProvider(page, hub, USERS.nadia);
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    assert.equal(new URL(page.url()).pathname, '/console/');
    assert.deepEqual((await rowIds(page)).sort(), [...inA].sort(), 'hospital-a only');
    assert.equal(await page.$eval('#who', (e) => e.textContent),
      'Nadia Al-Harbi · hospital-a · integrator');
    assert.ok(await page.$eval('#sign-in', (e) => e.hidden));

    // The cookie is the session: HttpOnly, SameSite=Strict, and the session
    // it names is the person's, with a CSRF token the page keeps in memory.
    const cookie = await sessionCookie(context);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '');
    const { status, body } = await sessionWith(hub, cookie);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.person.name, 'Nadia Al-Harbi');
    assert.match(body.person.id, /^psn_[0-9a-f]{32}$/);
    assert.equal(body.facility_id, 'hospital-a');
    assert.equal(body.role, 'integrator');
    assert.equal(body.key_id, null);
    await screenshot(page, 'signin-consultations');

    // Arabic: the header and the list follow the language.
    await page.click('#language');
    assert.equal(await page.$eval('html', (h) => h.dir), 'rtl');
    assert.equal(await page.$eval('#who', (e) => e.textContent),
      'Nadia Al-Harbi · hospital-a · مسؤول التكامل');
    assert.equal(await page.$eval('#sign-out', (b) => b.textContent), 'تسجيل الخروج');
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    await screenshot(page, 'signin-consultations-ar');
    assert.deepEqual(hubProblems(problems), []);
  } finally {
    await context.close();
  }
});

test('the same group without multi-factor sign-in is refused, in English and in Arabic', async () => {
  for (const language of ['en', 'ar']) {
    const context = await browser.createBrowserContext();
    const { page } = await newPage(context);
    try {
      await page.setExtraHTTPHeaders({ 'Accept-Language': language === 'ar' ? 'ar,en;q=0.5' : 'en' });
      const refusals = [];
      page.on('response', (r) => {
        if (new URL(r.url()).pathname === `/signin/${PROVIDER}/callback`) refusals.push(r);
      });
      await signInAtProvider(page, hub, USERS.omar);
      await until(() => refusals.length > 0, 10_000, 'the callback answered');
      const answer = refusals[0];
      assert.equal(answer.status(), 403);
      assert.match(answer.headers()['content-type'], /^text\/html/);
      assert.match(answer.headers()['content-security-policy'], /default-src 'self'/);
      assert.ok(!/wasl_session=[^;]/.test(answer.headers()['set-cookie'] ?? ''), 'no session cookie');
      assert.equal(await page.$eval('#reason', (p) => p.dataset.reason), 'mfa_required');
      const reason = await page.$eval('#reason', (p) => p.textContent);
      assert.equal(await page.$eval('html', (h) => h.lang), language);
      assert.match(reason, language === 'en' ? /multi-factor/ : /متعدّد العوامل/);
      const text = await page.$eval('body', (b) => b.textContent);
      assert.ok(!text.includes(USERS.omar.sub) && !text.includes(USERS.omar.name));
      assert.equal(await page.$eval('#start-again', (a) => a.getAttribute('href')), '/console/');
      await screenshot(page, `signin-refused-${language}`);
      assert.deepEqual((await context.cookies()).filter((c) => c.name === 'wasl_session'), []);
    } finally {
      await context.close();
    }
  }
  // The refusal is audited, without the name or the subject.
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', '/v1/audit?action=signin.refused', auditor);
  assert.equal(trail.status, 200, JSON.stringify(trail.body));
  const refused = JSON.stringify(trail.body.items);
  assert.ok(!refused.includes(USERS.omar.sub) && !refused.includes(USERS.omar.name), refused);
});

test('a clinician of hospital-a never sees hospital-b: its consultation is not found', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await signInAtProvider(page, hub, USERS.layla);
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    assert.equal(await page.$eval('#who', (e) => e.textContent), 'Layla Haddad · hospital-a · clinician');
    const seen = await rowIds(page);
    assert.ok(seen.length > 0 && !seen.includes(inB), JSON.stringify(seen));
    // Their own facility's consultation opens; hospital-b's is not found.
    await page.goto(`${hub.base}/console/#consultation/${inA[0]}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    await page.goto(`${hub.base}/console/#consultation/${inB}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'error');
    assert.equal(await page.$eval('#c-error', (e) => e.textContent), 'No consultation with this id exists.');
    assert.notEqual(await page.$eval('#c-id', (e) => e.textContent), inB);
    assert.ok(await page.$eval('#sign-in', (e) => e.hidden), 'still signed in');
    const cookie = await sessionCookie(context);
    const direct = await fetch(`${hub.base}/v1/consultations/${inB}`,
      { headers: { Cookie: `wasl_session=${cookie.value}` } });
    assert.equal(direct.status, 404);
    assert.deepEqual(hubProblems(problems).filter((p) => !p.includes(`/v1/consultations/${inB}`)), []);
  } finally {
    await context.close();
  }
});

test('an idle session ends: the console returns to the sign-in screen and the cookie is refused', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await signInAtProvider(page, idleHub, USERS.nadia);
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    const signedInAt = Date.now();
    const cookie = await sessionCookie(context);
    assert.equal((await sessionWith(idleHub, cookie)).body.idle_timeout_s, 3);
    // Nothing is done on the page: the hub ends the session after 3 s.
    await page.waitForFunction(() => !document.getElementById('sign-in').hidden &&
      document.getElementById('sign-in-notice').textContent !== '', { timeout: 20_000 });
    assert.ok(Date.now() - signedInAt >= 3000, 'not before the idle timeout');
    assert.equal(await page.$eval('#sign-in-notice', (e) => e.textContent),
      'Your session has ended. Sign in again.');
    assert.ok(await page.$eval('#consultations', (e) => e.hidden));
    assert.equal(await page.$$eval('#consultation-list tbody tr', (rows) => rows.length), 0,
      'nothing of the session is left on the page');
    assert.equal((await sessionWith(idleHub, cookie)).status, 401);
    await screenshot(page, 'signin-idle');
    assert.deepEqual(hubProblems(problems).filter((p) => !/401/.test(p)), []);
  } finally {
    await context.close();
  }
  const auditor = await idleHub.apiKey('hospital-a', 'auditor');
  const ended = await idleHub.api('GET', '/v1/audit?action=session.ended', auditor);
  assert.equal(ended.status, 200, JSON.stringify(ended.body));
  assert.match(JSON.stringify(ended.body.items), /idle/);
});

test('back-channel logout from the provider ends the session at its next request', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await signInAtProvider(page, hub, USERS.huda);
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    const cookie = await sessionCookie(context);
    assert.equal((await sessionWith(hub, cookie)).status, 200);

    const sent = await fetch(`${idp.base}/_peer/logout?sub=${encodeURIComponent(USERS.huda.sub)}`,
      { method: 'POST' });
    const report = await sent.json();
    assert.equal(sent.status, 200, JSON.stringify(report));
    // The provider sent its logout token to this hub, which took it.
    const delivery = report.deliveries.find((d) => d.uri === `${hub.base}/signin/${PROVIDER}/backchannel-logout`);
    assert.ok(delivery, JSON.stringify(report));
    assert.equal(delivery.ok, true, JSON.stringify(delivery));

    // The console's next read (its live refresh) is refused: sign-in screen.
    await page.waitForFunction(() => !document.getElementById('sign-in').hidden,
      { timeout: 20_000 });
    assert.equal(await page.$eval('#sign-in-notice', (e) => e.textContent),
      'Your session has ended. Sign in again.');
    assert.equal((await sessionWith(hub, cookie)).status, 401);
    assert.deepEqual(hubProblems(problems).filter((p) => !/401/.test(p)), []);
  } finally {
    await context.close();
  }
});

// A page of another origin: `host` 127.0.0.1 on another port is the same
// site (the cookie goes with its requests, so the CSRF check must refuse
// them); 127.0.0.2 is another site (SameSite=Strict keeps the cookie back).
async function foreignOrigin(host) {
  const server = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>elsewhere</title><p>another origin</p>');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return {
    base: `http://${host}:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// From a page of `origin` in the signed-in browser, POSTs the cancellation
// of `id` to the hub with the browser's credentials and a forged CSRF
// token, as a simple (no-cors) request and as a CORS one; answers what the
// hub saw of each: its status and whether the session cookie came with it.
async function crossOriginCancel(context, origin, id) {
  const page = await context.newPage();
  const target = `${hub.base}/v1/consultations/${id}/cancel`;
  const seen = [];
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  const cookies = new Map();
  const posts = new Set();  // the POSTs themselves, not a CORS preflight
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.url === target && e.request.method === 'POST') posts.add(e.requestId);
  });
  cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
    cookies.set(e.requestId, Object.keys(e.headers).some((h) => h.toLowerCase() === 'cookie'));
  });
  cdp.on('Network.responseReceived', (e) => {
    if (posts.has(e.requestId)) seen.push({ requestId: e.requestId, status: e.response.status });
  });
  try {
    await page.goto(`${origin.base}/`, { waitUntil: 'load' });
    const outcome = await page.evaluate(async (url) => {
      const forged = 'forged-csrf-token-0000000000000000';
      const simple = await fetch(url, {
        method: 'POST', mode: 'no-cors', credentials: 'include',
        headers: { 'X-CSRF-Token': forged, 'Content-Type': 'text/plain' },
        body: '{"reason":"elsewhere"}',
      }).then((r) => r.type, (e) => `refused: ${e.message}`);
      const cors = await fetch(url, {
        method: 'POST', credentials: 'include',
        headers: { 'X-CSRF-Token': forged, 'Content-Type': 'application/json' },
        body: '{"reason":"elsewhere"}',
      }).then((r) => `status ${r.status}`, (e) => `refused: ${e.message}`);
      return { simple, cors };
    }, target);
    // Every answer the hub gave has arrived (the CORS one may never be sent).
    await until(() => seen.length >= 1, 10_000, 'the hub answered the simple request');
    return { outcome, answers: seen.map((s) => ({ status: s.status, cookie: cookies.get(s.requestId) })) };
  } finally {
    await cdp.detach();
    await page.close();
  }
}

test('the session cookie replayed from another origin with a forged CSRF token changes nothing', async () => {
  const made = await hub.api('POST', '/v1/consultations', hospitalA, booking(20, 'a'), 'signin-a-20');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const id = made.body.id;
  const sameSite = await foreignOrigin('127.0.0.1');
  const otherSite = await foreignOrigin('127.0.0.2');
  const context = await browser.createBrowserContext();
  const { page } = await newPage(context);
  try {
    await signInAtProvider(page, hub, USERS.nadia);
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    const cookie = await sessionCookie(context);

    // Same site, other origin: the cookie goes along, the CSRF check refuses.
    const near = await crossOriginCancel(context, sameSite, id);
    assert.deepEqual(near.answers.map((a) => a.status), near.answers.map(() => 403), JSON.stringify(near));
    assert.ok(near.answers.every((a) => a.cookie), 'the cookie was sent: the CSRF check refused');
    assert.match(near.outcome.cors, /^(refused|status 403)/);

    // Another site: SameSite=Strict keeps the cookie back; no credentials, 401.
    const far = await crossOriginCancel(context, otherSite, id);
    assert.ok(far.answers.every((a) => (a.status === 401 && !a.cookie) || a.status === 403),
      JSON.stringify(far));

    // The same cookie replayed outside a browser: a forged token, or the
    // right token from another origin, is refused with the csrf problem.
    const { body: mine } = await sessionWith(hub, cookie);
    const attempts = [
      { 'X-CSRF-Token': 'forged-csrf-token-0000000000000000', Origin: hub.base },
      { Origin: hub.base },
      { 'X-CSRF-Token': mine.csrf_token, Origin: sameSite.base },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${hub.base}/v1/consultations/${id}/cancel`, {
        method: 'POST',
        headers: { ...headers, Cookie: `wasl_session=${cookie.value}`, 'Content-Type': 'application/json',
          'Idempotency-Key': crypto.randomUUID() },
        body: '{"reason":"elsewhere"}',
      });
      const problem = await response.json();
      assert.equal(response.status, 403, JSON.stringify({ headers, problem }));
      assert.match(problem.type ?? '', /csrf/, JSON.stringify(problem));
    }
    // Nothing changed: the consultation is as booked, no cancellation audited.
    assert.equal((await hub.api('GET', `/v1/consultations/${id}`, hospitalA)).body.status,
      made.body.status);
    const auditor = await hub.apiKey('hospital-a', 'auditor');
    const trail = await hub.api('GET', `/v1/audit?action=consultation.cancel&entity_id=${id}`, auditor);
    assert.equal(trail.status, 200);
    assert.deepEqual(trail.body.items, []);
    // The session itself still works from the console's own origin.
    assert.equal((await sessionWith(hub, cookie)).status, 200);
  } finally {
    await context.close();
    await sameSite.close();
    await otherSite.close();
  }
});

test('the audit page names the person for a cancellation they made in the console', async () => {
  const made = await hub.api('POST', '/v1/consultations', hospitalA, booking(21, 'a'), 'signin-a-21');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const id = made.body.id;
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  let personId;
  let sessionRef;
  try {
    await signInAtProvider(page, hub, USERS.nadia);
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    const { body: mine } = await sessionWith(hub, await sessionCookie(context));
    personId = mine.person.id;
    sessionRef = mine.session_ref;
    assert.match(sessionRef, /^ses_[0-9a-f]{24}$/);
    await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    await page.click('#cancel');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-yes');
    await page.waitForFunction(() => document.getElementById('c-status').textContent === 'cancelled');
    assert.deepEqual(hubProblems(problems), []);
  } finally {
    await context.close();
  }

  // An auditor of hospital-a (by key: the facility allows it) reads the trail.
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const audit = await browser.createBrowserContext();
  const { page: auditPage, problems: auditProblems } = await newPage(audit);
  try {
    await auditPage.goto(`${hub.base}/console/#audit`, { waitUntil: 'load' });
    await fill(auditPage, '#api-key', auditor);
    await auditPage.click('#sign-in-form button[type=submit]');
    await auditPage.waitForFunction(() => document.getElementById('audit').dataset.state === 'loaded');
    await fill(auditPage, '#audit-entity-id', id);
    await fill(auditPage, '#audit-action', 'consultation.cancel');
    await auditPage.evaluate(() => { document.getElementById('audit').dataset.state = 'stale'; });
    await auditPage.click('#audit-search');
    await auditPage.waitForFunction(() => document.getElementById('audit').dataset.state === 'loaded');
    const rows = await auditPage.$$eval('#audit-list tbody tr', (trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.equal(rows.length, 1, JSON.stringify(rows));
    // The actor, the person's name beside it, and the session it came in on.
    assert.deepEqual(rows[0].slice(2, 5), [`person:${personId}`, 'Nadia Al-Harbi', sessionRef]);
    assert.match(await auditPage.$eval('#who', (e) => e.textContent), /^API key \S+ · hospital-a · auditor$/);
    await screenshot(auditPage, 'signin-audit-person');
    assert.deepEqual(auditProblems, []);
  } finally {
    await audit.close();
  }
});

test('sign-out ends the session at the hub, then at the provider', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await signInAtProvider(page, hub, USERS.nadia);
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    const cookie = await sessionCookie(context);
    const logouts = [];
    const toProvider = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/signin/logout') logouts.push(r.status());
    });
    page.on('request', (r) => {
      if (r.isNavigationRequest() && r.url().startsWith(`${idp.base}/`)) toProvider.push(r.url());
    });
    await page.click('#sign-out');
    // The hub ended the session, then the browser went to the provider's
    // end-session endpoint (which ends its own and comes back).
    await until(() => toProvider.length > 0, 10_000, 'went to the provider');
    assert.deepEqual(logouts, [200]);
    assert.ok(toProvider[0].includes('id_token_hint='), toProvider[0]);
    assert.equal((await sessionWith(hub, cookie)).status, 401);
    assert.deepEqual(hubProblems(problems), []);
  } finally {
    await context.close();
  }
});

test('a facility that signs people in through its provider refuses its API keys in the console', async () => {
  const key = await hub.apiKey('hospital-b', 'integrator');
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await fill(page, '#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('sign-in-error').textContent !== '');
    assert.match(await page.$eval('#sign-in-error', (e) => e.textContent), /identity provider/);
    assert.ok(await page.$eval('#consultations', (e) => e.hidden));
    assert.deepEqual(await context.cookies(), []);
    assert.ok(problems.every((p) => /403/.test(p)), JSON.stringify(problems));
    // The key itself still works for the API, as a bearer.
    assert.equal((await hub.api('GET', '/v1/me', key)).status, 200);
  } finally {
    await context.close();
  }
});
