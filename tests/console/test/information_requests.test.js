// Answer the payer's information request from the console, against the real
// hub and the real NPHIES peer over mutual TLS: the exchange asks for the
// visit note of the next claim the hospital sends and holds that claim's
// answer; the hub polls the request in; an integrator reads it in Arabic,
// then answers in English with a PDF, confirmed and audited; the exchange
// checks the communication (the attachment's type and size) and releases the
// claim's answer, which the next poll brings: the claim is approved. Another
// facility's key gets 404 for the request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  fill, launchBrowser, newPage, screenshot, startHub, startPeer, testPki,
} from '../lib/harness.js';

const INSTANCE = 'billing.nphies-console';
const DAY = 86_400_000;
const serviceStart = Date.now() - DAY;
const WORKFLOW = `name: console_information
version: 1
trigger:
  kind: api
  consultation_type: standard
steps:
  - id: claim
    call: hub.build_claim
    with:
      patient_id: p1
      practitioner_id: "3"
      patient:
        id: p1
        identifiers: [{system: "urn:hospital-a:national-id", value: "1000000001"}]
        given_name: Sara
        family_name: Al-Qahtani
        birth_date: "1990-04-12"
        gender: female
      practitioner: {id: "3", name: Dr Khalid Al-Harbi, specialty: family medicine}
      coverage:
        id: cov-1
        status: active
        patient_id: p1
        payer_id: N-I-00001
        member_id: MEM-1001
        policy_number: POL-77
        plan: gold
        period_start_ms: ${serviceStart - 365 * DAY}
        period_end_ms: ${serviceStart + 365 * DAY}
      encounter_id: enc-1
      service_start_ms: ${serviceStart}
      service_end_ms: ${serviceStart + 1_200_000}
  - id: claim_submitted
    call: billing.submit_claim
    with: \${steps.claim.output}
`;
const QUESTION = 'Send the visit note of this consultation.';
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(3000, 0x20), Buffer.from('\n%%EOF\n')]);

let pki;
let peer;
let hub;
let chromium;
let browser;
let integrator;
let claimId;
let requestId;
let files;

async function waitFor(what, probe, ms = 60_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last.done) return last.value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within ${ms} ms: ${JSON.stringify(last?.value)}`);
}

before(async () => {
  chromium = launchBrowser();
  pki = await testPki();
  files = await mkdtemp(path.join(tmpdir(), 'wasl-ir-'));
  await writeFile(path.join(files, 'visit-note.pdf'), PDF);
  peer = await startPeer('nphies', { args: ['--pki-dir', pki, '--control-port', '0', '--claim-rule', 'approve'] });
  await peer.control('/_peer/communication-requests', {
    nextClaimFrom: 'N-F-00001', texts: [QUESTION],
    attachments: [{ contentType: 'application/pdf', title: 'Visit note' }],
  });
  const file = (name) => `\${file:${path.join(pki, name)}}`;
  hub = await startHub({
    bindings: { 'hospital-a': { billing: INSTANCE } },
    facilityLines: {
      'hospital-a': ['    billing: {provider_license: N-F-00001, payer_license: N-I-00001, ' +
        'service_code: "83600-00-10", price: 150, tax: 22.50, diagnosis_code: Z71.9, poll_interval: 1s}'],
    },
    extra: [
      'plugins:', '  files:', '    - name: nphies', '      file: libwasl_nphies.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: nphies', '    settings:',
      `      base_url: https://127.0.0.1:${peer.port}`,
      '      provider_base_url: http://hospital-a.test',
      '      request_timeout_seconds: 10',
      '      tls:',
      `        client_certificate: ${file('client.crt')}`,
      `        client_key: ${file('client.key')}`,
      `        ca_bundle: ${file('ca.crt')}`,
    ],
  });
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_information`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  integrator = await hub.apiKey('hospital-a', 'integrator');
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_information', appointment_id: 'info-1',
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Sara Al-Qahtani', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr Khalid Al-Harbi' },
  }, 'info-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  // The claim goes out, queued (its answer held), and the request comes in.
  const claims = await waitFor('the claim queued', async () => {
    const r = await hub.api('GET', '/v1/claims?state=queued', integrator);
    return { done: r.body?.items?.length === 1, value: r.body };
  });
  claimId = claims.items[0].id;
  const open = await waitFor('the information request', async () => {
    const r = await hub.api('GET', '/v1/information-requests?state=open', integrator);
    return { done: r.body?.items?.length === 1, value: r.body };
  });
  requestId = open.items[0].id;
  assert.equal(open.items[0].claim_id, claimId);
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
  if (pki) await rm(pki, { recursive: true, force: true });
  if (files) await rm(files, { recursive: true, force: true });
});

test('another facility cannot read or answer the request', async () => {
  const other = await hub.apiKey('hospital-b', 'integrator');
  const read = await hub.api('GET', `/v1/information-requests/${requestId}`, other);
  assert.equal(read.status, 404, JSON.stringify(read.body));
  const answered = await hub.api('POST', `/v1/information-requests/${requestId}/answer`, other,
    { texts: ['not yours'] });
  assert.equal(answered.status, 404, JSON.stringify(answered.body));
  const listed = await hub.api('GET', '/v1/information-requests', other);
  assert.deepEqual(listed.body.items, []);
});

test('read the request in Arabic, answer it in English with a PDF, and see the claim approved', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#information-requests`, { waitUntil: 'load' });
    await fill(page, '#api-key', integrator);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('information-requests').dataset.state === 'loaded');
    // Arabic: right to left, the labels and the state in Arabic.
    await page.click('#language');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    await page.click('#ir-search');
    await page.waitForFunction(() => document.getElementById('information-requests').dataset.state === 'loaded');
    const row = `#ir-list tr[data-id="${requestId}"]`;
    await page.waitForSelector(row);
    assert.match(await page.$eval(row, (tr) => tr.textContent), /بانتظار الإجابة/);
    assert.match(await page.$eval('#nav-information-requests', (a) => a.textContent), /طلبات المعلومات/);
    await page.click(`${row} button.open-request`);
    await page.waitForFunction(() => document.getElementById('ir-detail').dataset.state === 'loaded');
    assert.equal(await page.$eval('#ir-questions', (ul) => ul.textContent), QUESTION);
    assert.match(await page.$eval('#ir-documents', (ul) => ul.textContent), /Visit note.*application\/pdf/);
    await screenshot(page, 'information-request-ar');

    // English again; answer with the visit note.
    await page.click('#language');
    await page.waitForFunction(() => document.documentElement.dir === 'ltr');
    await fill(page, '#ir-text', 'The visit note is attached.');
    const input = await page.$('#ir-files');
    await input.uploadFile(path.join(files, 'visit-note.pdf'));
    await page.click('#ir-page-visit');  // and the hub's own visit summary
    await page.click('#ir-send');
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent),
      new RegExp(`claim ${claimId}, with 2 document`));
    await page.click('#confirm-yes');
    await page.waitForFunction(() => /Sent: Answered/.test(document.getElementById('ir-result').textContent) ||
      document.getElementById('ir-error').textContent !== '', { timeout: 30_000 });
    assert.equal(await page.$eval('#ir-error', (p) => p.textContent), '');
    await screenshot(page, 'information-request-answered');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }

  // The exchange took a valid communication with the uploaded PDF and the
  // hub's visit summary, and released the claim's answer: the next poll
  // approves the claim.
  const communications = await peer.controlGet('/_peer/communications');
  assert.equal(communications.items.length, 1, JSON.stringify(communications));
  const sent = communications.items[0];
  assert.equal(sent.attachments.length, 2, JSON.stringify(sent));
  assert.deepEqual([sent.attachments[0].contentType, sent.attachments[0].size], ['application/pdf', PDF.length]);
  assert.equal(sent.attachments[1].contentType, 'application/pdf');
  assert.equal(sent.attachments[1].title, 'Visit summary');
  assert.ok(sent.attachments[1].size > 500, JSON.stringify(sent.attachments[1]));
  await waitFor('the claim approved', async () => {
    const r = await hub.api('GET', `/v1/claims/${claimId}`, integrator);
    return { done: r.body?.state === 'approved', value: r.body };
  });
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', `/v1/audit?entity_id=${requestId}`, auditor);
  const actions = trail.body.items.map((e) => e.action);
  for (const action of ['information_request.receive', 'information_request.read',
    'information_request.answer_stored', 'information_request.answered']) {
    assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  }
});
