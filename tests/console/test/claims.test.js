// Resume, cancel and resubmit a claim from the console, against the real hub
// and the real NPHIES peer over mutual TLS: a workflow deployed by the test
// builds a claim and submits it with a single attempt.
//   - The exchange answers that attempt 503, so the claim is left in
//     `error` and the run failed at its submission; the exchange answers
//     again, the operator resumes the claim from the consultation's page
//     (confirmed, audited) and sees it approved. Another facility's key
//     cannot resume it.
//   - The exchange queues a claim: the operator cancels it, picking the
//     reason in the confirmation, in English and in Arabic; the exchange
//     holds it cancelled.
//   - The exchange rejects a claim: the operator resubmits it, in English
//     and in Arabic; the exchange takes the new claim, which names the
//     rejected one as prior, and approves it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  fill, launchBrowser, newPage, screenshot, startHub, startPeer, testPki,
} from '../lib/harness.js';

const INSTANCE = 'billing.nphies-console';
const DAY = 86_400_000;
const serviceStart = Date.now() - DAY;
const WORKFLOW = `name: console_claim
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
    retry:
      max_attempts: 1
`;

let pki;
let peer;
let hospital;
let port;
let hub;
let chromium;
let browser;
let integrator;
let id;
let claimId;

const peerArgs = () => ['--pki-dir', pki, '--control-port', '0', '--claim-rule', 'approve'];

before(async () => {
  chromium = launchBrowser();
  pki = await testPki();
  peer = await startPeer('nphies', { args: peerArgs() });
  port = peer.port;
  const file = (name) => `\${file:${path.join(pki, name)}}`;
  hub = await startHub({
    bindings: { 'hospital-a': { billing: INSTANCE } },
    facilityLines: {
      'hospital-a': ['    billing: {provider_license: N-F-00001, payer_license: N-I-00001, ' +
        'service_code: "83600-00-10", price: 150, tax: 22.50, diagnosis_code: Z71.9}'],
    },
    extra: [
      'plugins:', '  files:', '    - name: nphies', '      file: libwasl_nphies.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: nphies', '    settings:',
      `      base_url: https://127.0.0.1:${port}`,
      '      provider_base_url: http://hospital-a.test',
      '      request_timeout_seconds: 10',
      '      tls:',
      `        client_certificate: ${file('client.crt')}`,
      `        client_key: ${file('client.key')}`,
      `        ca_bundle: ${file('ca.crt')}`,
    ],
  });
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_claim`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  integrator = await hub.apiKey('hospital-a', 'integrator');
  // The exchange answers the claim, its only attempt, 503 (it stored nothing:
  // a failure, not an answer lost in transit).
  await peer.control('/_peer/faults', [{ event: 'claim-request', count: 1, status: 503 }]);
  hospital = await hub.apiKey('hospital-a', 'hospital');
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_claim', appointment_id: 'claim-1',
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Sara Al-Qahtani', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr Khalid Al-Harbi' },
  }, 'claim-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  id = made.body.id;
  const deadline = Date.now() + 30_000;
  let run;
  do {
    run = (await hub.api('GET', `/v1/consultations/${id}/timeline`, integrator)).body;
    if (run?.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.equal(run?.status, 'failed', JSON.stringify(run));
  assert.equal(run.failed_step, 'claim_submitted', JSON.stringify(run));
  const claims = (await hub.api('GET', `/v1/consultations/${id}/claims`, integrator)).body;
  assert.equal(claims.items.length, 1, JSON.stringify(claims));
  assert.equal(claims.items[0].state, 'error', JSON.stringify(claims));
  claimId = claims.items[0].id;
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
  if (pki) await rm(pki, { recursive: true, force: true });
});

test('another facility cannot resume the claim', async () => {
  const other = await hub.apiKey('hospital-b', 'integrator');
  const answer = await hub.api('POST', `/v1/claims/${claimId}/retry`, other, undefined, 'other-1');
  assert.equal(answer.status, 404, JSON.stringify(answer.body));
});

test('an auditor may not resume the claim', async () => {
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const answer = await hub.api('POST', `/v1/claims/${claimId}/retry`, auditor, undefined, 'auditor-1');
  assert.equal(answer.status, 403, JSON.stringify(answer.body));
});

test('resume a claim whose submission failed and see it approved', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
    await fill(page, '#api-key', integrator);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    assert.match(await page.$eval('#c-run', (e) => e.textContent), /^failed · claim_submitted/);
    const item = `#claims li[data-id="${claimId}"]`;
    assert.equal(await page.$eval(item, (li) => li.dataset.state), 'error');
    // The integrator repairs without seeing who the patient is: the claim's
    // input in the timeline has her name, birth date and membership masked.
    const timeline = await page.$eval('#timeline', (e) => e.textContent);
    assert.match(timeline, /"given_name":"\[redacted:given_name\]"/);
    assert.doesNotMatch(timeline, /Sara|Al-Qahtani|1990-04-12|MEM-1001|1000000001/);
    await page.$eval(item, (li) => li.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'claim-error');

    // The exchange is back (the fault fired once).
    await page.click(`${item} button.resume-claim`);
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent),
      new RegExp(`claim ${claimId}.*same message id`));
    await page.click('#confirm-yes');
    await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'approved',
      { timeout: 30_000 }, item);
    assert.ok(await page.$eval(item, (li) => !li.querySelector('button.resume-claim')),
      'nothing left to resume');
    assert.ok(await page.$eval(item, (li) => !li.querySelector('button.cancel-claim')),
      'an adjudicated claim is not cancelled');
    assert.ok(await page.$eval(item, (li) => li.querySelector('button.nullify-claim')),
      'an adjudicated claim may be nullified');
    assert.match(await page.$eval('#action-result', (e) => e.textContent), /resubmitted/);
    await page.waitForFunction(() => /^succeeded/.test(document.getElementById('c-run').textContent),
      { timeout: 30_000 });
    await page.$eval(item, (li) => li.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'claim-resumed');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', `/v1/audit?action=claim.retry&entity_id=${claimId}`, auditor);
  assert.equal(trail.body.items.length, 1, JSON.stringify(trail.body));
});

// Books a consultation of the console_claim workflow while the exchange
// adjudicates claims by `rule`, and waits for its run to end; answers the
// consultation's id and its claim.
async function bookClaim(appointment, rule) {
  await peer.control('/_peer/rules', { claim: rule });
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_claim', appointment_id: appointment,
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Sara Al-Qahtani', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr Khalid Al-Harbi' },
  }, appointment);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const deadline = Date.now() + 30_000;
  let run;
  do {
    run = (await hub.api('GET', `/v1/consultations/${made.body.id}/timeline`, integrator)).body;
    if (run?.status === 'succeeded' || run?.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.equal(run?.status, 'succeeded', JSON.stringify(run));
  const claims = (await hub.api('GET', `/v1/consultations/${made.body.id}/claims`, integrator)).body;
  assert.equal(claims.items.length, 1, JSON.stringify(claims));
  return { id: made.body.id, claim: claims.items[0] };
}

// Opens the consultation's page signed in as the integrator, in `lang`.
async function openConsultation(context, id, lang) {
  const { page, problems } = await newPage(context);
  await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
  await fill(page, '#api-key', integrator);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
  if (lang === 'ar') {
    await page.click('#language');
    // Drawn again in Arabic: the claims' buttons too.
    await page.waitForFunction(() => {
      const buttons = [...document.querySelectorAll('#claims button')];
      return document.documentElement.dir === 'rtl' && buttons.length > 0 &&
        buttons.every((b) => /[\u0600-\u06FF]/.test(b.textContent));
    });
  }
  return { page, problems };
}

const LANGUAGES = [
  { lang: 'en', cancel: 'Cancel claim', resubmit: 'Resubmit claim', cancelled: /cancelled/,
    resubmitted: /resubmitted as claim/, queued: 'queued' },
  { lang: 'ar', cancel: 'إلغاء المطالبة', resubmit: 'إعادة تقديم المطالبة', cancelled: /أُلغيت/,
    resubmitted: /أُعيد تقديم المطالبة/, queued: 'في قائمة الانتظار' },
];

for (const l of LANGUAGES) {
  test(`cancel a queued claim, asked first with its reason (${l.lang})`, async () => {
    const { id, claim } = await bookClaim(`cancel-${l.lang}`,
      { outcome: 'queue', queueSeconds: 3600, then: 'approve' });
    assert.equal(claim.state, 'queued');
    const context = await browser.createBrowserContext();
    const { page, problems } = await openConsultation(context, id, l.lang);
    try {
      const item = `#claims li[data-id="${claim.id}"]`;
      assert.equal(await page.$eval(item, (li) => li.dataset.state), 'queued');
      assert.ok((await page.$eval(item, (li) => li.textContent)).includes(l.queued));
      assert.ok(await page.$eval(item, (li) => !li.querySelector('button.resubmit-claim')),
        'a queued claim is not resubmitted');
      assert.equal(await page.$eval(`${item} button.cancel-claim`, (b) => b.textContent), l.cancel);
      await page.click(`${item} button.cancel-claim`);
      await page.waitForSelector('#confirm[open]');
      assert.ok(await page.$eval('#confirm-reason-field', (f) => !f.hidden), 'a reason is asked');
      assert.ok((await page.$eval('#confirm-text', (p) => p.textContent)).includes(claim.id));
      await page.select('#confirm-reason', 'NP');
      await screenshot(page, `claim-cancel-confirm-${l.lang}`);
      await page.click('#confirm-yes');
      await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'cancelled',
        { timeout: 30_000 }, item);
      assert.match(await page.$eval('#action-result', (e) => e.textContent), l.cancelled);
      assert.ok(await page.$eval(item, (li) => !li.querySelector('button')), 'nothing left to do');
      await screenshot(page, `claim-cancelled-${l.lang}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
    const atExchange = await peer.controlGet('/_peer/claims');
    const held = atExchange.items.filter((c) => c.state === 'cancelled');
    assert.ok(held.length >= 1, JSON.stringify(atExchange));
    const sent = (await peer.controlGet('/_peer/received')).items
      .filter((m) => m.event === 'cancel-request');
    assert.ok(sent.length >= 1, 'the exchange received the cancel-request');
    const auditor = await hub.apiKey('hospital-a', 'auditor');
    const trail = await hub.api('GET', `/v1/audit?action=claim.cancel&entity_id=${claim.id}`, auditor);
    assert.equal(trail.body.items.length, 1, JSON.stringify(trail.body));
    assert.match(JSON.stringify(trail.body.items[0]), /"reason\\?":\\?"NP/);
  });

  test(`resubmit a rejected claim, asked first (${l.lang})`, async () => {
    const { id, claim } = await bookClaim(`resubmit-${l.lang}`, { outcome: 'reject' });
    assert.equal(claim.state, 'rejected');
    await peer.control('/_peer/rules', { claim: { outcome: 'approve' } });
    const context = await browser.createBrowserContext();
    const { page, problems } = await openConsultation(context, id, l.lang);
    try {
      const item = `#claims li[data-id="${claim.id}"]`;
      assert.equal(await page.$eval(`${item} button.resubmit-claim`, (b) => b.textContent),
        l.resubmit);
      assert.ok(await page.$eval(item, (li) => li.querySelector('button.nullify-claim')));
      await page.click(`${item} button.resubmit-claim`);
      await page.waitForSelector('#confirm[open]');
      assert.ok(await page.$eval('#confirm-reason-field', (f) => f.hidden), 'no reason is asked');
      assert.ok((await page.$eval('#confirm-text', (p) => p.textContent)).includes(claim.id));
      await page.click('#confirm-yes');
      await page.waitForFunction(() => document.querySelectorAll('#claims li[data-id]').length === 2,
        { timeout: 30_000 });
      assert.match(await page.$eval('#action-result', (e) => e.textContent), l.resubmitted);
      const added = await page.$$eval('#claims li[data-id]', (lis) => lis.map((li) =>
        ({ id: li.dataset.id, state: li.dataset.state, text: li.textContent })));
      const replacement = added.find((c) => c.id !== claim.id);
      assert.equal(replacement.state, 'approved', JSON.stringify(added));
      assert.ok(replacement.text.includes(claim.id), 'it names the claim it replaces');
      assert.ok(await page.$eval(item, (li) => !li.querySelector('button.resubmit-claim')),
        'resubmitted once');
      assert.equal(await page.$eval(item, (li) => li.dataset.state), 'rejected');
      await screenshot(page, `claim-resubmitted-${l.lang}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
    const atExchange = await peer.controlGet('/_peer/claims');
    // The exchange took the new claim, naming the rejected one as prior.
    const resubmission = atExchange.items.find((c) => c.resubmissionOf && c.state === 'approved' &&
      atExchange.items.some((p) => p.key === c.resubmissionOf && p.state === 'rejected'));
    assert.ok(resubmission, `a resubmission at the exchange: ${JSON.stringify(atExchange)}`);
    const auditor = await hub.apiKey('hospital-a', 'auditor');
    const trail = await hub.api('GET', '/v1/audit?action=claim.resubmit', auditor);
    assert.ok(trail.body.items.some((e) => JSON.stringify(e).includes(claim.id)), JSON.stringify(trail.body));
  });
}
