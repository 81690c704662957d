// The audit page: an auditor queries the facility's trail by entity, actor,
// action and time (each row naming the person or key beside the actor, and
// the console session), pages it with the API's cursor, and sees the audit
// chain's verification status (deployment-wide); another facility's auditor
// sees none of these events. Arabic labels the status too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub } from '../lib/harness.js';

let hub;
let chromium;
let browser;
let auditor;
let hospitalActor;
const created = [];

function booking(i) {
  return {
    type: 'doctor_patient', appointment_id: `audit-${i}`,
    scheduled_at: new Date(Date.now() + (i + 2) * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: `p${i}`, name: `Patient ${i}`,
      identifiers: [{ kind: 'national_id', value: String(1000000000 + i * 7919) }] },
    practitioner: { id: '3', name: 'Dr' },
  };
}

before(async () => {
  chromium = launchBrowser();
  hub = await startHub();
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  for (let i = 0; i < 3; i++) {
    const made = await hub.api('POST', '/v1/consultations', hospital, booking(i), `audit-${i}`);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    created.push(made.body.id);
  }
  auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', `/v1/audit?action=consultation.create&entity_id=${created[0]}`,
    auditor);
  assert.equal(trail.status, 200, JSON.stringify(trail.body));
  hospitalActor = trail.body.items[0].actor;
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
});

async function signInToAudit(page, key) {
  await page.goto(`${hub.base}/console/#audit`, { waitUntil: 'load' });
  await fill(page, '#api-key', key);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('audit').dataset.state === 'loaded' &&
    ['intact', 'broken', 'error'].includes(document.getElementById('chain').dataset.status));
}

function rows(page) {
  return page.$$eval('#audit-list tbody tr', (trs) =>
    trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
}

async function search(page) {
  await page.evaluate(() => { document.getElementById('audit').dataset.state = 'stale'; });
  await page.click('#audit-search');
  await page.waitForFunction(() => document.getElementById('audit').dataset.state === 'loaded');
}

test('an auditor queries the trail by entity, actor, action and time and sees the chain intact', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await signInToAudit(page, auditor);
    assert.ok(await page.$eval('#consultations', (e) => e.hidden), 'no consultation list for an auditor');
    assert.equal(await page.$eval('#chain', (e) => e.dataset.status), 'intact');
    assert.match(await page.$eval('#chain-status', (e) => e.textContent),
      /^Intact: \d+ events and \d+ signed checkpoints verify/);
    const all = await rows(page);
    assert.ok(all.length >= 3, JSON.stringify(all));
    const seqs = all.map((r) => Number(r[0]));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'oldest first');
    await screenshot(page, 'audit');

    // By entity: the one consultation's events only.
    await fill(page, '#audit-entity-type', 'consultation');
    await fill(page, '#audit-entity-id', created[1]);
    await search(page);
    const one = await rows(page);
    assert.ok(one.length >= 1);
    assert.ok(one.every((r) => r[6] === 'consultation' && r[7] === created[1]), JSON.stringify(one));
    assert.ok(one.some((r) => r[5] === 'consultation.create'));

    // By actor and action: the hospital key's bookings, all three.
    await page.$eval('#audit-entity-type', (i) => { i.value = ''; });
    await page.$eval('#audit-entity-id', (i) => { i.value = ''; });
    await fill(page, '#audit-actor', hospitalActor);
    await fill(page, '#audit-action', 'consultation.create');
    await search(page);
    const booked = await rows(page);
    assert.deepEqual(booked.map((r) => r[7]).sort(), [...created].sort());
    assert.ok(booked.every((r) => r[2] === hospitalActor && r[8] === 'success'));
    // Beside the actor its key id; a bearer key's request has no session.
    assert.ok(booked.every((r) => `apikey:${r[3]}` === hospitalActor && r[4] === ''),
      JSON.stringify(booked));

    // By session: the bookings came with a bearer key, on no console session.
    await fill(page, '#audit-session', 'ses_000000000000000000000000');
    await search(page);
    assert.deepEqual(await rows(page), []);
    await page.$eval('#audit-session', (i) => { i.value = ''; });

    // By time: nothing happened from an hour from now.
    await page.$eval('#audit-from', (input, ms) => {
      const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
      input.value = local.toISOString().slice(0, 16);
    }, Date.now() + 3600_000);
    await search(page);
    assert.deepEqual(await rows(page), []);
    assert.ok(await page.$eval('#audit-empty', (p) => !p.hidden));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an auditor signing in on the front page lands on the audit page, the only one offered', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await fill(page, '#api-key', auditor);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('audit').dataset.state === 'loaded');
    assert.ok(page.url().endsWith('#audit'));
    const offered = await page.$$eval('#pages a', (links) => links.filter((a) => !a.hidden).map((a) => a.id));
    assert.deepEqual(offered, ['nav-audit']);
    assert.deepEqual(problems, [], 'no consultation list the role would be refused');
  } finally {
    await context.close();
  }
});

test('the trail pages with the API cursor', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    // More than one page of 50: every sign-in and read adds events.
    for (let i = 0; i < 60; i++) {
      assert.equal((await hub.api('GET', `/v1/audit?action=none-${i}`, auditor)).status, 200);
    }
    await signInToAudit(page, auditor);
    assert.equal((await rows(page)).length, 50);
    assert.ok(await page.$eval('#audit-more', (b) => !b.hidden));
    await page.click('#audit-more');
    await page.waitForFunction(() => document.querySelectorAll('#audit-list tbody tr').length > 50);
    const seqs = (await rows(page)).map((r) => Number(r[0]));
    assert.equal(new Set(seqs).size, seqs.length, 'no event twice');
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another facility's auditor sees none of these events, and the same chain status", async () => {
  const theirs = await hub.apiKey('hospital-b', 'auditor');
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await signInToAudit(page, theirs);
    assert.equal(await page.$eval('#chain', (e) => e.dataset.status), 'intact');
    const seen = await rows(page);
    assert.ok(seen.every((r) => !created.includes(r[7])), JSON.stringify(seen));
    await fill(page, '#audit-entity-id', created[0]);
    await search(page);
    assert.deepEqual(await rows(page), []);
    const verification = await hub.api('GET', '/v1/audit/verification', theirs);
    assert.equal(verification.status, 200);
    assert.equal(verification.body.scope, 'platform');
    assert.ok(!JSON.stringify(verification.body).includes(created[0]));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('Arabic: the audit page and the chain status in Arabic, right-to-left', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await signInToAudit(page, auditor);
    await page.click('#language');
    assert.equal(await page.$eval('html', (h) => h.dir), 'rtl');
    assert.equal(await page.$eval('#nav-audit', (a) => a.textContent), 'التدقيق');
    // The status is written again in the chosen language on the next read
    // (the key and the language are kept for the tab).
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('chain').dataset.status === 'intact');
    assert.match(await page.$eval('#chain-status', (e) => e.textContent), /^سليمة/);
    await screenshot(page, 'audit-ar');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
