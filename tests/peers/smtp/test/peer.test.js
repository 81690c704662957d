'use strict';
// The SMTP peer in process: STARTTLS before AUTH and MAIL, AUTH PLAIN and
// LOGIN with its credentials only, every message checked (a strict
// receiver's view of headers, encoded-words and the body), messages kept
// decoded behind the control API, and the faults.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { SmtpPeer } = require('../src/smtp_peer');
const { makePki, SmtpSession, control, encodeWords, message } = require('./helpers');

const USER = 'wasl-test';
const PASSWORD = 'peer-test-password';
const SUBJECT = 'تذكير: موعدك مع الطبيب غداً الساعة العاشرة صباحاً في العيادة الافتراضية';
const TEXT = 'مرحباً،\nموعدك مع د. سارة غداً.\nرابط الانضمام: https://wasl.example/j/abc';

let pki;
let ca;
let peer;
let smtpPort;
let controlPort;

async function startPeer(options = {}) {
  const p = new SmtpPeer({
    key: fs.readFileSync(path.join(pki, 'server.key')),
    cert: fs.readFileSync(path.join(pki, 'server.crt')),
    username: USER,
    password: PASSWORD,
    ...options,
  });
  await p.listen({ host: '127.0.0.1', port: 0, controlPort: 0 });
  return p;
}

const ready = () => SmtpSession.ready(smtpPort, { ca, username: USER, password: PASSWORD });

async function send(session, raw, { from = 'clinic@hospital.example', to = 'patient@example.org' } = {}) {
  const mail = await session.command(`MAIL FROM:<${from}>`);
  if (mail.code !== 250) return mail;
  const rcpt = await session.command(`RCPT TO:<${to}>`);
  if (rcpt.code !== 250) return rcpt;
  return session.data(raw);
}

test.before(async () => {
  pki = makePki();
  ca = fs.readFileSync(path.join(pki, 'ca.crt'));
  peer = await startPeer();
  smtpPort = peer.port;
  controlPort = peer.controlPort;
});

test.after(async () => {
  await peer.close();
  fs.rmSync(path.dirname(pki), { recursive: true, force: true });
});

test.beforeEach(async () => {
  assert.equal((await control(controlPort, 'POST', '/_peer/reset')).status, 200);
});

test('nothing is taken before STARTTLS: AUTH answers 538, MAIL 530', async () => {
  const s = await SmtpSession.connect(smtpPort);
  assert.equal((await s.reply()).code, 220);
  const ehlo = await s.command('EHLO client.test');
  assert.equal(ehlo.code, 250);
  assert.ok(ehlo.lines.some((l) => /STARTTLS/.test(l)), 'STARTTLS is offered');
  assert.equal((await s.authPlain(USER, PASSWORD)).code, 538);
  assert.equal((await s.command('MAIL FROM:<clinic@hospital.example>')).code, 530);
  s.close();
  const effects = (await control(controlPort, 'GET', '/_peer/effects')).body;
  assert.equal(effects.authAccepted, undefined);
});

test('AUTH needs the configured credentials; MAIL needs AUTH', async () => {
  const s = await SmtpSession.connect(smtpPort);
  await s.reply();
  await s.command('EHLO client.test');
  assert.equal((await s.startTls(ca)).code, 220);
  const ehlo = await s.command('EHLO client.test');
  assert.ok(ehlo.lines.some((l) => /AUTH .*PLAIN/.test(l) && /LOGIN/.test(l)), ehlo.lines.join('|'));
  assert.equal((await s.command('MAIL FROM:<clinic@hospital.example>')).code, 530);
  assert.equal((await s.authPlain(USER, 'wrong')).code, 535);
  assert.equal((await s.authLogin(USER, PASSWORD)).code, 235);
  s.close();
  const effects = (await control(controlPort, 'GET', '/_peer/effects')).body;
  assert.equal(effects.authRefused, 1);
  assert.equal(effects.authAccepted.LOGIN, 1);
});

test('an Arabic message is kept decoded, with how it came', async () => {
  const s = await ready();
  const raw = message({ subject: SUBJECT, text: TEXT });
  assert.ok(encodeWords(SUBJECT, 67).length > 1, 'the subject takes several encoded-words');
  const answer = await send(s, raw);
  assert.equal(answer.code, 250, answer.text);
  s.close();
  const { messages } = (await control(controlPort, 'GET', '/_peer/messages')).body;
  assert.equal(messages.length, 1);
  const m = messages[0];
  assert.equal(m.subject, SUBJECT);
  assert.equal(m.text, TEXT);
  assert.equal(m.messageId, '<0123456789abcdef0123456789abcdef@hospital.example>');
  assert.deepEqual(m.from, { address: 'clinic@hospital.example', name: 'مستشفى الصحة' });
  assert.deepEqual(m.to, [{ address: 'patient@example.org', name: '' }]);
  assert.equal(m.language, 'ar');
  assert.equal(m.transferEncoding, 'base64');
  assert.equal(m.date, '2025-03-04T09:05:00.000Z');
  assert.deepEqual(m.envelope, { mailFrom: 'clinic@hospital.example', rcptTo: ['patient@example.org'] });
  assert.ok(m.tls && m.tls.cipher, 'the message came over TLS');
  assert.deepEqual(m.auth, { username: USER, method: 'PLAIN' });
  assert.equal(m.headers['mime-version'], '1.0');
  assert.deepEqual(m.problems, []);

  const byId = (await control(controlPort, 'GET', `/_peer/messages?messageId=${encodeURIComponent(m.messageId)}`)).body;
  assert.equal(byId.messages.length, 1);
  const deleted = (await control(controlPort, 'DELETE', '/_peer/messages')).body;
  assert.equal(deleted.deleted, 1);
  assert.equal((await control(controlPort, 'GET', '/_peer/messages')).body.messages.length, 0);
});

test('a quoted-printable body that ends in a soft break decodes without a trailing line break', async () => {
  const s = await ready();
  const raw = message({
    subject: 'Reminder',
    overrides: { 'Content-Transfer-Encoding': 'quoted-printable', 'Content-Language': 'en' },
    body: 'Your appointment is tomorrow at 10:00.\r\nJoin: https://wasl.example/j/abc=',
  });
  assert.equal((await send(s, raw)).code, 250);
  s.close();
  const [m] = (await control(controlPort, 'GET', '/_peer/messages')).body.messages;
  assert.equal(m.text, 'Your appointment is tomorrow at 10:00.\nJoin: https://wasl.example/j/abc');
});

// Each case: what is wrong, the message, the problem the peer names.
const BROKEN = [
  ['an 8-bit subject', message({ overrides: { Subject: 'موعد' } }), /non-ASCII/],
  ['no Message-ID', message({ overrides: { 'Message-ID': null } }), /no message-id/],
  ['a malformed Message-ID', message({ overrides: { 'Message-ID': 'abc' } }), /Message-ID is not/],
  ['no Date', message({ overrides: { Date: null } }), /no date/],
  ['a Date in another format', message({ overrides: { Date: '2025-03-04T09:05:00Z' } }), /Date is not/],
  ['no MIME-Version', message({ overrides: { 'MIME-Version': null } }), /no mime-version/],
  ['no From', message({ overrides: { From: null } }), /no from/],
  ['a To other than the envelope', message({ overrides: { To: 'someone@else.example' } }), /envelope recipients/],
  ['an encoded-word over 75 characters', message({ overrides: { Subject: encodeWords(SUBJECT, 100)[0] } }), /at most 75/],
  ['a character split between two words', message({
    overrides: {
      Subject: `=?UTF-8?B?${Buffer.from('مو').subarray(0, 3).toString('base64')}?=\r\n =?UTF-8?B?${Buffer.from('مو').subarray(3).toString('base64')}?=`,
    },
  }), /whole UTF-8 characters/],
  ['a Latin-1 charset', message({ overrides: { 'Content-Type': 'text/plain; charset=iso-8859-1' } }), /charset=utf-8/],
  ['a base64 line over 76', message({ body: Buffer.from('x'.repeat(200)).toString('base64') }), /body line/],
  ['a body that is not UTF-8', message({ body: Buffer.from([0xd8, 0x41]).toString('base64') }), /not valid UTF-8/],
  ['8bit transfer encoding', message({ overrides: { 'Content-Transfer-Encoding': '8bit' } }), /not quoted-printable/],
];

for (const [what, raw, problem] of BROKEN) {
  test(`refused with 554 and kept apart: ${what}`, async () => {
    const s = await ready();
    const answer = await send(s, raw);
    s.close();
    assert.equal(answer.code, 554, answer.text);
    assert.match(answer.text, problem);
    assert.equal((await control(controlPort, 'GET', '/_peer/messages')).body.messages.length, 0);
    const { messages } = (await control(controlPort, 'GET', '/_peer/rejected')).body;
    assert.equal(messages.length, 1);
    assert.ok(messages[0].problems.some((p) => problem.test(p)), messages[0].problems.join('; '));
  });
}

test('faults: RCPT 550, DATA 451 once then accepted', async () => {
  const rules = [{ operation: 'RCPT', status: 550 }, { operation: 'DATA', status: 451 }];
  assert.equal((await control(controlPort, 'POST', '/_peer/faults', rules)).status, 200);
  const s = await ready();
  assert.equal((await send(s, message())).code, 550);
  assert.equal((await s.command('RSET')).code, 250);
  assert.equal((await send(s, message())).code, 451);
  assert.equal((await s.command('RSET')).code, 250);
  assert.equal((await send(s, message())).code, 250);
  s.close();
  assert.equal((await control(controlPort, 'GET', '/_peer/messages')).body.messages.length, 1);
  const faults = (await control(controlPort, 'GET', '/_peer/faults')).body;
  assert.equal(faults.fired, 2);
  assert.deepEqual(faults.rules, []);
});

test('faults: 421 at the greeting closes the connection', async () => {
  await control(controlPort, 'POST', '/_peer/faults', { operation: 'CONNECT', status: 421 });
  const s = await SmtpSession.connect(smtpPort);
  assert.equal((await s.reply()).code, 421);
  assert.equal((await s.reply()).code, 0, 'then the connection closes');
  s.close();
});

test('faults: a dropped DATA keeps the message and answers nothing', async () => {
  await control(controlPort, 'POST', '/_peer/faults', { operation: 'DATA', drop: true });
  const s = await ready();
  const answer = await send(s, message());
  assert.equal(answer.code, 0, 'the connection closed with no answer');
  s.close();
  assert.equal((await control(controlPort, 'GET', '/_peer/messages')).body.messages.length, 1);
  assert.equal((await control(controlPort, 'GET', '/_peer/effects')).body.dropped, 1);
});

test('faults: a slow MAIL answers late', async () => {
  await control(controlPort, 'POST', '/_peer/faults', { operation: 'MAIL', delayMs: 400 });
  const s = await ready();
  const started = Date.now();
  assert.equal((await s.command('MAIL FROM:<clinic@hospital.example>')).code, 250);
  assert.ok(Date.now() - started >= 380, 'the answer waited for the delay');
  s.close();
});

test('faults: a bad rule is refused whole', async () => {
  const bad = await control(controlPort, 'POST', '/_peer/faults', [{ operation: 'RCPT', status: 550 }, { operation: 'HELO', status: 550 }]);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /rule 2: operation must be/);
  assert.deepEqual((await control(controlPort, 'GET', '/_peer/faults')).body.rules, []);
  assert.equal((await control(controlPort, 'POST', '/_peer/faults', { operation: 'RCPT', status: 503 })).status, 400);
});

test('a peer that does not offer STARTTLS still takes no AUTH in clear', async () => {
  const plain = await startPeer({ offerStarttls: false });
  try {
    const s = await SmtpSession.connect(plain.port);
    await s.reply();
    const ehlo = await s.command('EHLO client.test');
    assert.ok(!ehlo.lines.some((l) => /STARTTLS/.test(l)));
    assert.equal((await s.authPlain(USER, PASSWORD)).code, 538);
    assert.equal((await s.command('MAIL FROM:<clinic@hospital.example>')).code, 530);
    s.close();
  } finally {
    await plain.close();
  }
});

test('POST /_peer/config changes the password it requires', async () => {
  assert.equal((await control(controlPort, 'POST', '/_peer/config', { password: 'rotated' })).status, 200);
  try {
    const s = await SmtpSession.connect(smtpPort);
    await s.reply();
    await s.command('EHLO client.test');
    await s.startTls(ca);
    await s.command('EHLO client.test');
    assert.equal((await s.authPlain(USER, PASSWORD)).code, 535);
    assert.equal((await s.authPlain(USER, 'rotated')).code, 235);
    s.close();
  } finally {
    await control(controlPort, 'POST', '/_peer/config', { password: PASSWORD });
  }
});
