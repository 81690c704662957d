// A consultation's messages to its patient in the console, against the real
// hub and the real SMS gateway peer: a workflow deployed by the test queues
// the invitation and both reminders (hub.notify) for a consultation two days
// ahead; the hub sends the invitation through the SMS plugin at once and
// keeps the reminders scheduled. A second consultation's patient has a
// number the gateway refuses (it takes Saudi numbers only), so its
// invitation fails for good with the plugin's error code. The consultation
// page lists each message with its kind, channel, state, due and sent times,
// attempts and last error, in English and in Arabic (right to left), and
// never the patient's number. Another facility's key sees none of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub, startPeer } from '../lib/harness.js';

const INSTANCE = 'notify.sms-console';
const PHONE = '+966501234567';
const REFUSED_PHONE = '+447700900123';
const WORKFLOW = `name: console_notices
version: 1
trigger:
  kind: api
  consultation_type: standard
steps:
  - id: invitation
    call: hub.notify
    with:
      kind: invitation
  - id: reminder_24h
    call: hub.notify
    with:
      kind: reminder_24h
  - id: reminder_1h
    call: hub.notify
    with:
      kind: reminder_1h
  - id: session_ended
    wait_for: room.ended
    correlation: \${consultation.id}
    timeout: 72h
`;

let peer;
let hub;
let chromium;
let browser;
let hospital;
let id;         // invitation sent, reminders scheduled
let refusedId;  // invitation failed

const until = async (what, probe, ms = 20_000) => {
  const deadline = Date.now() + ms;
  let value;
  do {
    value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.fail(`${what} within ${ms} ms`);
};

async function book(appointment, phone) {
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_notices', appointment_id: appointment,
    scheduled_at: new Date(Date.now() + 48 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: {
      id: `p-${appointment}`, name: 'Patient 1', phone,
      identifiers: [{ kind: 'national_id', value: '1000000001' }],
    },
    practitioner: { id: '3', name: 'Dr' },
  }, appointment);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body.id;
}

const messages = async (consultation) =>
  (await hub.api('GET', `/v1/consultations/${consultation}/notifications`, hospital)).body.items;

before(async () => {
  chromium = launchBrowser();
  peer = await startPeer('sms', { args: ['--recipient-prefixes', '966'] });
  hub = await startHub({
    extra: [
      'notification_delivery:', '  interval: 100ms', '  max_attempts: 2', '  initial_delay: 50ms',
      '  max_delay: 100ms',
      'plugins:', '  files:', '    - name: sms', '      file: libwasl_sms.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: sms', '    settings:',
      `      base_url: http://127.0.0.1:${peer.port}`, '      api_key: sms-sandbox-key',
      '      sender: Wasl', '      receipt_secret: sms-sandbox-receipt-secret',
    ],
    // No quiet hours (equal start and end), so the invitation goes at any
    // hour the suite runs.
    facilityLines: {
      'hospital-a': ['    reporting:', '      time_zone: Asia/Riyadh', '    notifications:',
        `      sms: ${INSTANCE}`, '      default_language: ar', '      quiet_hours_start: "00:00"',
        '      quiet_hours_end: "00:00"'],
    },
  });
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_notices`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  hospital = await hub.apiKey('hospital-a', 'hospital');
  id = await book('notices-1', PHONE);
  refusedId = await book('notices-2', REFUSED_PHONE);

  const states = (items) => Object.fromEntries(items.map((n) => [n.kind, n.state]));
  await until('the invitation was sent and both reminders queued', async () => {
    const s = states(await messages(id));
    return s.invitation === 'sent' && s.reminder_24h === 'scheduled' && s.reminder_1h === 'scheduled';
  });
  await until('the refused invitation failed', async () =>
    states(await messages(refusedId)).invitation === 'failed');
  // The gateway took the one message, to the patient's number.
  const taken = await (await fetch(`http://127.0.0.1:${peer.port}/_peer/messages`)).json();
  assert.deepEqual(taken.messages.map((m) => m.recipients), [[PHONE.slice(1)]]);
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
});

async function openAs(page, key, consultation) {
  await page.goto(`${hub.base}/console/#consultation/${consultation}`, { waitUntil: 'load' });
  await fill(page, '#api-key', key);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => ['loaded', 'error']
    .includes(document.getElementById('consultation').dataset.state));
}

// Each row of the messages table: its data attributes and cell texts.
const rows = (page) => page.$$eval('#notifications tbody tr', (trs) => trs.map((tr) => ({
  kind: tr.dataset.kind,
  channel: tr.dataset.channel,
  state: tr.dataset.state,
  attempts: tr.dataset.attempts,
  cells: [...tr.cells].map((td) => td.textContent),
})));

// What the table shows for `kind`.
const row = (list, kind) => {
  const found = list.find((r) => r.kind === kind);
  assert.ok(found, `no ${kind} row in ${JSON.stringify(list)}`);
  return found;
};

test('the consultation lists its sent invitation and its queued reminders, in English', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openAs(page, hospital, id);
    assert.equal(await page.$eval('#notifications-part', (d) => d.hidden), false);
    const list = await rows(page);
    assert.equal(list.length, 3, JSON.stringify(list));
    const api = await messages(id);
    const invitation = row(list, 'invitation');
    assert.deepEqual(invitation.cells.slice(0, 3), ['Invitation', 'SMS', 'sent']);
    assert.equal(invitation.attempts, '1');
    assert.equal(invitation.cells[5], '1');
    assert.equal(invitation.cells[6], '');
    // The sent time is the API's, in the page's clock as the rest of the page.
    const sentAt = api.find((n) => n.kind === 'invitation').sent_at;
    assert.equal(invitation.cells[4], await page.evaluate((iso) => new Date(iso)
      .toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }), sentAt));
    for (const kind of ['reminder_24h', 'reminder_1h']) {
      const reminder = row(list, kind);
      assert.equal(reminder.state, 'scheduled');
      assert.equal(reminder.cells[2], 'scheduled');
      assert.equal(reminder.cells[4], '', `${kind} has not gone`);
      assert.equal(reminder.cells[5], '', `${kind} was not tried`);
      const due = api.find((n) => n.kind === kind).due_at;
      assert.equal(reminder.cells[3], await page.evaluate((iso) => new Date(iso)
        .toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' }), due));
    }
    assert.equal(row(list, 'reminder_24h').cells[0], 'Reminder, a day before');
    // The day-before reminder is due a day before the one-hour one's day.
    const dueOf = (kind) => Date.parse(api.find((n) => n.kind === kind).due_at);
    assert.equal(dueOf('reminder_1h') - dueOf('reminder_24h'), 23 * 3600_000);
    // Never the patient's number, in any form.
    const text = await page.$eval('#consultation', (s) => s.textContent);
    for (const form of [PHONE, PHONE.slice(1), PHONE.slice(4)]) {
      assert.ok(!text.includes(form), `the page shows ${form}`);
    }
    await page.$eval('#notifications-part', (d) => d.scrollIntoView());
    await screenshot(page, 'notifications-en');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("a refused message shows as failed, with its attempts and the plugin's error", async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openAs(page, hospital, refusedId);
    const invitation = row(await rows(page), 'invitation');
    const api = (await messages(refusedId)).find((n) => n.kind === 'invitation');
    assert.ok(api.error, JSON.stringify(api));
    assert.equal(invitation.state, 'failed');
    assert.equal(invitation.cells[2], `failed · the provider refused it`);
    assert.equal(invitation.cells[4], '', 'it never went');
    assert.equal(invitation.cells[5], String(api.attempts));
    assert.equal(invitation.cells[6], api.error);
    assert.equal(await page.$eval('#notifications tr[data-kind=invitation] td.status',
      (td) => getComputedStyle(td).fontWeight), '700');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('Arabic: the messages in Arabic, right to left', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openAs(page, hospital, id);
    await page.click('#language');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl' &&
      document.querySelector('#notifications tr[data-kind=invitation] td.status')
        ?.textContent === 'أُرسلت');
    assert.equal(await page.$eval('#notifications-part h3', (h) => h.textContent), 'رسائل المريض');
    const list = await rows(page);
    assert.deepEqual(row(list, 'invitation').cells.slice(0, 3), ['دعوة', 'رسالة نصية', 'أُرسلت']);
    assert.deepEqual(row(list, 'reminder_24h').cells.slice(0, 3),
      ['تذكير قبل يوم', 'رسالة نصية', 'مجدولة']);
    assert.deepEqual(row(list, 'reminder_1h').cells.slice(0, 3),
      ['تذكير قبل ساعة', 'رسالة نصية', 'مجدولة']);
    // The dates are written as the rest of the Arabic page writes them.
    const sentAt = (await messages(id)).find((n) => n.kind === 'invitation').sent_at;
    assert.equal(row(list, 'invitation').cells[4], await page.evaluate((iso) => new Date(iso)
      .toLocaleString('ar-SA-u-ca-gregory-nu-latn', { dateStyle: 'medium', timeStyle: 'medium' }),
    sentAt));
    // Logical properties mirror the table: its first column is on the right.
    const [first, last] = await page.$$eval('#notifications thead th', (ths) =>
      [ths[0], ths[ths.length - 1]].map((th) => th.getBoundingClientRect().x));
    assert.ok(first > last, `first column at ${first}, last at ${last}`);
    await page.$eval('#notifications-part', (d) => d.scrollIntoView());
    await screenshot(page, 'notifications-ar');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another facility's key sees neither the consultation nor its messages", async () => {
  const theirs = await hub.apiKey('hospital-b', 'hospital');
  const answer = await hub.api('GET', `/v1/consultations/${id}/notifications`, theirs);
  assert.equal(answer.status, 404, JSON.stringify(answer.body));
  assert.equal(answer.body.items, undefined);
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    // The page asks for every part at once and stops at the first 404, so
    // the messages' answer is awaited by itself.
    const answered = page.waitForResponse(
      (r) => r.url() === `${hub.base}/v1/consultations/${id}/notifications`);
    await openAs(page, theirs, id);
    assert.equal((await answered).status(), 404);
    assert.equal(await page.$eval('#consultation', (s) => s.dataset.state), 'error');
    assert.deepEqual(await rows(page), []);
    // Every part the page asked for was answered 404, and nothing else went
    // wrong.
    assert.ok(problems.every((p) => /^HTTP 404: |status of 404 \(Not Found\)( \(\S+\))?$/.test(p)),
      JSON.stringify(problems));
  } finally {
    await context.close();
  }
});
