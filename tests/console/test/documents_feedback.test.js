// Shared documents and the patients' feedback in the console, against the
// real hub (its SQLite store, its local encrypted store, its audit), a real
// clamd (the clamav fixture: scripts/test-clamav, its one-signature
// database) and the SMS gateway peer, which carries the feedback links.
// A clinician shares a PNG through the page's file input and sees it listed
// with its (Arabic) name and SHA-256; a download link she makes gives the
// same bytes; a text file named .pdf is refused with the hub's 415, its
// detail under the form. Integrator and admin keys see that the document
// exists, its type and size, never its name. The consultation's feedback
// part says there is no answer yet, then, once the patient answered through
// the one-use link of the SMS, the two ratings and the comment (to roles
// that read PHI; an integrator is told a comment exists). The Feedback page
// gives a hospital key the facility's and each practitioner's answers and
// mean ratings over the period picked; a clinician is not offered it, and
// another facility's keys see none of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { fill, launchBrowser, newPage, screenshot, startHub, startPeer } from '../lib/harness.js';

const INSTANCE = 'notify.sms-documents';
const FILE_NAME = 'صورة الطفح الجلدي.png';
const NOT_A_PDF = 'lab-result.pdf';
const COMMENT = 'الطبيب كان لطيفاً والصوت انقطع مرتين';
const WORKFLOW = `name: console_documents
version: 1
trigger:
  kind: api
  consultation_type: standard
steps:
  - id: session
    call: hub.set_status
    with:
      status: in_session
  - id: feedback
    call: hub.notify
    with:
      kind: feedback
  - id: session_ended
    wait_for: room.ended
    correlation: \${consultation.id}
    timeout: 12h
`;

let clamd;
let peer;
let hub;
let chromium;
let browser;
let scratch;
const keys = {};
const consultations = {};  // practitioner id -> { id, phone, code }

const until = async (what, probe, ms = 15_000) => {
  const deadline = Date.now() + ms;
  let value;
  do {
    value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.fail(`${what} within ${ms} ms`);
};

// clamd's address from the clamav fixture's endpoint file (ctest sets
// WASL_TEST_CLAMAV_DIR); without it the test fails, as a peer that cannot
// start does.
async function clamdAddress() {
  const dir = process.env.WASL_TEST_CLAMAV_DIR;
  assert.ok(dir, 'WASL_TEST_CLAMAV_DIR is not set (ctest sets it to the clamav fixture\'s directory)');
  const text = await readFile(path.join(dir, 'endpoint'), 'utf8').catch((error) =>
    assert.fail(`no clamd: the clamav fixture (scripts/test-clamav start ${dir}) did not run: ${error.message}`));
  const values = Object.fromEntries(text.trim().split('\n').map((line) => line.split('=')));
  return `tcp://${values.host}:${values.port}`;
}

// A small valid PNG (an 8×8 RGB gradient): its chunks with their CRCs, as
// the hub checks them.
function png() {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const size = 8;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);  // 8 bits, RGB, deflate, no filter, no interlace
  const rows = [];
  for (let y = 0; y < size; y++) {
    rows.push(0);  // filter: none
    for (let x = 0; x < size; x++) rows.push(x * 32, y * 32, 160);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function book(practitioner, phone) {
  const made = await hub.api('POST', '/v1/consultations', keys.hospital, {
    type: 'doctor_patient', workflow: 'console_documents', appointment_id: `docs-${practitioner}`,
    scheduled_at: new Date(Date.now() + 600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: {
      id: `p-${practitioner}`, name: 'Patient 1', phone,
      identifiers: [{ kind: 'national_id', value: '1000000001' }],
    },
    practitioner: { id: practitioner, name: 'Dr' },
  }, `docs-${practitioner}`);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body.id;
}

before(async () => {
  chromium = launchBrowser();
  scratch = await mkdtemp(path.join(tmpdir(), 'wasl-console-documents-'));
  [clamd, peer] = await Promise.all([clamdAddress(), startPeer('sms', { args: ['--recipient-prefixes', '966'] })]);
  hub = await startHub({
    extra: [
      'notification_delivery:', '  interval: 100ms', '  max_attempts: 2', '  initial_delay: 50ms',
      '  max_delay: 100ms',
      'documents:', `  clamd: ${clamd}`,
      'archive:', `  root: ${path.join(scratch, 'store')}`,
      'plugins:', '  files:', '    - name: sms', '      file: libwasl_sms.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: sms', '    settings:',
      `      base_url: http://127.0.0.1:${peer.port}`, '      api_key: sms-sandbox-key',
      '      sender: Wasl', '      receipt_secret: sms-sandbox-receipt-secret',
    ],
    // No quiet hours (equal start and end): the feedback question goes at
    // any hour the suite runs.
    facilityLines: {
      'hospital-a': ['    reporting:', '      time_zone: Asia/Riyadh', '    notifications:',
        `      sms: ${INSTANCE}`, '      default_language: ar', '      quiet_hours_start: "00:00"',
        '      quiet_hours_end: "00:00"'],
    },
  });
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_documents`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  keys.admin = admin;
  [keys.hospital, keys.clinician, keys.integrator, keys.foreign, keys.foreignHospital] = await Promise.all([
    hub.apiKey('hospital-a', 'hospital'), hub.apiKey('hospital-a', 'clinician'),
    hub.apiKey('hospital-a', 'integrator'), hub.apiKey('hospital-b', 'clinician'),
    hub.apiKey('hospital-b', 'hospital'),
  ]);
  for (const [practitioner, phone] of [['3', '+966501234567'], ['7', '+966501234568']]) {
    consultations[practitioner] = { id: await book(practitioner, phone), phone };
  }
  // Each patient was sent the feedback question with its one-use link.
  const feedbackSent = async ({ id }) => (await hub.api('GET', `/v1/consultations/${id}/notifications`,
    keys.hospital)).body.items.some((n) => n.kind === 'feedback' && n.state === 'sent');
  for (const c of Object.values(consultations)) {
    await until(`consultation ${c.id}'s feedback question was sent`, () => feedbackSent(c));
    assert.equal((await hub.api('GET', `/v1/consultations/${c.id}`, keys.hospital)).body.status, 'in_session');
  }
  const { messages } = await (await fetch(`http://127.0.0.1:${peer.port}/_peer/messages`)).json();
  for (const c of Object.values(consultations)) {
    const sms = messages.find((m) => m.recipients.includes(c.phone.slice(1)));
    c.code = /\/feedback\/([A-Za-z0-9_-]+)/.exec(sms?.body ?? '')?.[1];
    assert.ok(c.code, `no feedback link in the SMS to ${c.phone}: ${JSON.stringify(messages)}`);
  }
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

// The clinician's tests share one signed-in page (each starts with no
// problems recorded); closed with the browser.
let clinicianSession = null;
async function asClinician() {
  clinicianSession ??= await openAs(keys.clinician);
  clinicianSession.problems.length = 0;
  return clinicianSession;
}

// A fresh browser context signed in with `key`, on consultation 3's page
// unless told.
async function openAs(key, hash = `#consultation/${consultations['3'].id}`) {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  await page.goto(`${hub.base}/console/${hash}`, { waitUntil: 'load' });
  await fill(page, '#api-key', key);
  await page.click('#sign-in-form button[type=submit]');
  return { context, page, problems };
}

async function loaded(page) {
  await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
}

// Reads the consultation's page again (as a reload of the tab does).
async function reload(page) {
  await page.evaluate(() => { document.getElementById('consultation').dataset.state = 'stale'; });
  await page.reload({ waitUntil: 'load' });
  await loaded(page);
}

const documents = async (key = keys.clinician) =>
  (await hub.api('GET', `/v1/consultations/${consultations['3'].id}/documents`, key)).body.items;
const audited = async (action) =>
  (await hub.api('GET', `/v1/audit?action=${action}`, await auditorKey())).body.items;
let auditor = null;
const auditorKey = async () => (auditor ??= await hub.apiKey('hospital-a', 'auditor'));

function answer(code, clinician, connection, comment) {
  const item = [
    { linkId: 'clinician', answer: [{ valueInteger: clinician }] },
    { linkId: 'connection', answer: [{ valueInteger: connection }] },
  ];
  if (comment) item.push({ linkId: 'comment', answer: [{ valueString: comment }] });
  return fetch(`${hub.base}/feedback/${code}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'QuestionnaireResponse',
      questionnaire: 'urn:wasl:questionnaire:consultation-feedback|1',
      status: 'completed',
      item,
    }),
  });
}

test('a clinician shares a PNG through the page and downloads it through its link, byte for byte', async () => {
  const { page, problems } = await asClinician();
  await loaded(page);
  assert.equal(await page.$eval('#documents', (e) => e.textContent), 'None');
  assert.equal(await page.$eval('#document-form', (f) => f.hidden), false);
  assert.ok(await page.$eval('#nav-feedback', (a) => a.hidden), 'a clinician is not offered the Feedback page');
  const bytes = png();
  const file = path.join(scratch, FILE_NAME);
  await writeFile(file, bytes);
  const input = await page.$('#document-file');
  await input.uploadFile(file);
  await page.click('#document-upload');
  await page.waitForSelector('#documents li[data-type=png] .name bdi');
  assert.equal(await page.$eval('#action-result', (e) => e.textContent), `${FILE_NAME} is shared.`);
  const row = '#documents li[data-type=png]';
  assert.deepEqual(await page.$eval(`${row} .name bdi`, (b) => [b.dir, b.textContent]), ['auto', FILE_NAME]);
  assert.match(await page.$eval(`${row} .head`, (e) => e.textContent), /^PNG image · \d+ B · shared /);
  assert.equal(await page.$eval(`${row} .sha256 bdi`, (e) => e.textContent), sha256(bytes));
  const stored = await documents();
  assert.deepEqual(stored.map((d) => [d.name, d.type, d.size_bytes, d.sha256_hex]),
    [[FILE_NAME, 'png', bytes.length, sha256(bytes)]]);
  assert.equal(await page.$eval(row, (li) => li.dataset.id), stored[0].id);
  assert.equal(await page.$eval('#document-file', (i) => i.files.length), 0, 'the form is emptied');

  // A link: its address on the page's origin, when it stops working, and a
  // Download action; fetched from the page, the same bytes.
  await page.click(`${row} button.link-document`);
  await page.waitForSelector(`${row} .link a.download-document`);
  const link = await page.$eval(`${row} .link`, (p) => ({
    href: p.querySelector('a').href, download: p.querySelector('a').download,
    shown: p.querySelector('.url').textContent, until: p.querySelector('.expires').textContent,
    expiresAt: Number(p.querySelector('.expires').dataset.expiresAt),
  }));
  assert.ok(link.href.startsWith(`${hub.base}/v1/document-links/`), link.href);
  assert.equal(link.shown, link.href);
  assert.equal(link.download, FILE_NAME);
  assert.match(link.until, /^works until /);
  assert.ok(link.expiresAt > Date.now(), `the link works until ${link.expiresAt}`);
  const fetched = await page.evaluate(async (href) => {
    const response = await fetch(href);
    const digest = await crypto.subtle.digest('SHA-256', await response.arrayBuffer());
    return {
      status: response.status, type: response.headers.get('Content-Type'),
      sha256: [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''),
    };
  }, link.href);
  assert.deepEqual(fetched, { status: 200, type: 'image/png', sha256: sha256(bytes) });
  await page.$eval('#documents-part', (e) => e.scrollIntoView());
  await screenshot(page, 'documents');
  assert.deepEqual(problems, []);
  assert.equal((await audited('document.create')).length, 1);
  assert.equal((await audited('document.link')).length, 1);
  assert.equal((await audited('document.download')).length, 1);
});

test("a text file named .pdf is refused with the hub's 415, its detail under the form; nothing is kept", async () => {
  const { page, problems } = await asClinician();
  await loaded(page);
  const file = path.join(scratch, NOT_A_PDF);
  await writeFile(file, 'Haemoglobin 13.2 g/dL\n');
  await (await page.$('#document-file')).uploadFile(file);
  await page.click('#document-upload');
  await page.waitForFunction(() => document.getElementById('document-error').textContent !== '');
  const refused = await fetch(`${hub.base}/v1/consultations/${consultations['3'].id}/documents?name=${NOT_A_PDF}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${keys.clinician}`, 'Content-Type': 'application/pdf' },
    body: 'Haemoglobin 13.2 g/dL\n',
  });
  assert.equal(refused.status, 415);
  const problem = await refused.json();
  assert.equal(await page.$eval('#document-error', (e) => e.textContent), problem.detail);
  assert.match(problem.detail, /^Only PDF, JPEG and PNG files are accepted, judged by their content/);
  assert.equal(await page.$eval('#document-file', (i) => i.files[0]?.name), NOT_A_PDF, 'the form keeps the file');
  assert.equal((await documents()).length, 1);
  assert.equal(await page.$$eval('#documents li[data-id]', (lis) => lis.length), 1);
  await screenshot(page, 'documents-refused');
  // The only failed request of the page is the refusal it showed.
  const refusal = /(^HTTP 415: |status of 415 .*)http:\/\/[^ ]+\/v1\/consultations\/[^/]+\/documents\?name=[^ )]+\)?$/;
  assert.ok(problems.some((p) => p.startsWith('HTTP 415: ')), `no 415 recorded: ${problems}`);
  assert.deepEqual(problems.filter((p) => !refusal.test(p)), []);
  await page.$eval('#document-form', (f) => f.reset());
});

test('integrator and admin keys see that a document was shared, its type and size, never its name', async () => {
  for (const key of [keys.integrator, keys.admin]) {
    const { context, page, problems } = await openAs(key);
    try {
      await loaded(page);
      assert.deepEqual(await page.$$eval('#documents li[data-id]', (lis) => lis.map((li) => li.dataset.type)),
        ['png']);
      assert.equal(await page.$('#documents .name, #documents .sha256, #documents button'), null);
      assert.match(await page.$eval('#documents li .head', (e) => e.textContent), /^PNG image · \d+ B · shared /);
      assert.equal(await page.$eval('#documents-hint', (e) => e.hidden), false);
      assert.ok(await page.$eval('#document-form', (f) => f.hidden), 'no upload offered');
      assert.ok(!(await page.$eval('#consultation', (e) => e.innerText)).includes('الطفح'));
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  }
  assert.ok((await documents(keys.integrator)).every((d) => !('name' in d) && !('sha256_hex' in d)));
});

test("the consultation's feedback part says no answer yet, then shows the patient's ratings and comment", async () => {
  const { page, problems } = await asClinician();
  await loaded(page);
  assert.equal(await page.$eval('#feedback-part', (e) => e.hidden), false);
  assert.equal(await page.$eval('#feedback-part', (e) => e.dataset.state), 'unanswered');
  assert.equal(await page.$eval('#c-feedback-none', (e) => (e.hidden ? '' : e.textContent)), 'No answer yet.');
  assert.ok(await page.$eval('#c-feedback', (e) => e.hidden));

  const answered = await answer(consultations['3'].code, 4, 2, COMMENT);
  assert.equal(answered.status, 201, await answered.text());
  await reload(page);
  await page.waitForSelector('#feedback-part[data-state=answered]');
  assert.ok(await page.$eval('#c-feedback-none', (e) => e.hidden));
  assert.equal(await page.$eval('#c-feedback-clinician', (e) => e.textContent), '4 of 5');
  assert.equal(await page.$eval('#c-feedback-connection', (e) => e.textContent), '2 of 5');
  assert.deepEqual(await page.$eval('#c-feedback-comment bdi', (b) => [b.dir, b.textContent]), ['auto', COMMENT]);
  await page.$eval('#feedback-part', (e) => e.scrollIntoView());
  await screenshot(page, 'feedback-answered');
  assert.deepEqual(problems, []);

  // An integrator sees the ratings and that there is a comment, not the text.
  const { context, page: theirs, problems: theirProblems } = await openAs(keys.integrator);
  try {
    await loaded(theirs);
    await theirs.waitForSelector('#feedback-part[data-state=answered]');
    assert.equal(await theirs.$eval('#c-feedback-clinician', (e) => e.textContent), '4 of 5');
    assert.equal(await theirs.$eval('#c-feedback-comment', (e) => e.textContent),
      'the patient wrote one; not shown to your role');
    assert.ok(!(await theirs.$eval('body', (b) => b.innerHTML)).includes('الطبيب كان'));
    assert.deepEqual(theirProblems, []);
  } finally {
    await context.close();
  }
});

test("the Feedback page gives the facility's and each practitioner's answers and mean ratings", async () => {
  const second = await answer(consultations['7'].code, 5, 5);
  assert.equal(second.status, 201, await second.text());
  const { context, page, problems } = await openAs(keys.hospital, '#feedback');
  try {
    await page.waitForFunction(() => document.getElementById('feedback').dataset.state === 'loaded');
    assert.equal(await page.$eval('#nav-feedback', (a) => a.hidden), false);
    // The last 30 days unless other dates are picked.
    const days = await page.$eval('#feedback-filters', () => [
      document.getElementById('feedback-from').valueAsNumber, document.getElementById('feedback-to').valueAsNumber]);
    assert.equal((days[1] - days[0]) / 86_400_000, 30);
    const facility = () => page.$$eval('#feedback-facility dd', (dds) => dds.map((dd) => dd.textContent));
    assert.deepEqual(await facility(), ['2', '4.50', '3.50', '1']);
    const rows = () => page.$$eval('#feedback-practitioners tbody tr', (trs) =>
      trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    assert.deepEqual((await rows()).sort(), [
      ['Practitioner/3', '1', '4.00', '2.00', '1'],
      ['Practitioner/7', '1', '5.00', '5.00', '0'],
    ]);
    const from = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const to = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const api = (await hub.api('GET', `/v1/feedback/summary?from=${from}&to=${to}`, keys.hospital)).body;
    assert.deepEqual([api.facility.responses, api.facility.clinician_rating_mean,
      api.facility.connection_rating_mean, api.facility.comments], [2, 4.5, 3.5, 1]);
    assert.equal(await page.$eval('#feedback', (e) => e.innerText.includes('الطبيب كان')), false,
      'comments are counted, never shown');
    await screenshot(page, 'feedback-page');

    // Another period: nothing answered in it.
    await fill(page, '#feedback-from', '2020-01-01');
    await fill(page, '#feedback-to', '2020-01-31');
    await page.evaluate(() => { document.getElementById('feedback').dataset.state = 'stale'; });
    await page.click('#feedback-search');
    await page.waitForFunction(() => document.getElementById('feedback').dataset.state === 'loaded');
    assert.deepEqual(await facility(), ['0', 'none', 'none', '0']);
    assert.deepEqual(await rows(), []);
    assert.equal(await page.$eval('#feedback-empty', (e) => e.hidden), false);

    // In Arabic, right to left.
    await page.click('#language');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl' &&
      document.querySelector('#feedback h2').textContent === 'التقييمات' &&
      document.getElementById('feedback').dataset.state === 'loaded');
    assert.equal(await page.$eval('#nav-feedback', (a) => a.textContent), 'التقييمات');
    assert.deepEqual(await facility(), ['0', 'لا يوجد', 'لا يوجد', '0']);
    await screenshot(page, 'feedback-page-ar');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("signing out leaves nothing of the documents or the feedback in the page; another facility sees none of it", async () => {
  const { page, problems } = await asClinician();
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in:not([hidden])');
  const left = await page.$eval('body', (b) => b.innerHTML);
  for (const phi of ['الطفح', 'الطبيب كان', '4 of 5', '/v1/document-links/']) {
    assert.ok(!left.includes(phi), `the signed-out page still holds ${phi}`);
  }
  assert.deepEqual(problems, []);

  const id = consultations['3'].id;
  const doc = (await documents())[0].id;
  for (const [method, route] of [['GET', `/v1/consultations/${id}/documents`],
    ['POST', `/v1/consultations/${id}/documents/${doc}/link`], ['GET', `/v1/consultations/${id}/feedback`]]) {
    const theirs = await hub.api(method, route, keys.foreign);
    assert.equal(theirs.status, 404, `another facility's ${method} ${route}: ${JSON.stringify(theirs.body)}`);
  }
  const from = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const to = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const summary = await hub.api('GET', `/v1/feedback/summary?from=${from}&to=${to}`, keys.foreignHospital);
  assert.equal(summary.status, 200, JSON.stringify(summary.body));
  assert.equal(summary.body.facility.responses, 0);
  assert.deepEqual(summary.body.practitioners, []);
});
