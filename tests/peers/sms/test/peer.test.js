'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { poll } = require('../../support');
const { startPeer, startReceiver, checkSignature, message } = require('./helpers');

async function withPeer(options, fn) {
  const p = await startPeer(options);
  try {
    await fn(p);
  } finally {
    await p.close();
  }
}

test('an Arabic message is accepted once per client reference, with its parts counted', () => withPeer({}, async (p) => {
  const body = 'ب'.repeat(71);
  const first = await p.send(message({ body }));
  assert.strictEqual(first.status, 201);
  const answer = await first.json();
  assert.strictEqual(answer.segments, 2);
  assert.strictEqual(answer.encoding, 'UCS-2');
  assert.strictEqual(answer.cost, '0.10');
  assert.match(answer.messageId, /^[0-9a-f-]{36}$/);

  const again = await p.send(message({ body }));
  assert.strictEqual(again.status, 200);
  assert.strictEqual(again.headers.get('idempotent-replayed'), 'true');
  assert.strictEqual((await again.json()).messageId, answer.messageId);

  const reused = await p.send(message({ body: 'another text' }));
  assert.strictEqual(reused.status, 409);
  assert.strictEqual((await reused.json()).code, 'REFERENCE_REUSED');

  const { body: list } = await p.control('GET', '/_peer/messages');
  assert.strictEqual(list.messages.length, 1);
  const [kept] = list.messages;
  assert.strictEqual(kept.body, body);
  assert.strictEqual(kept.segments, 2);
  assert.deepStrictEqual(kept.parts.map((part) => part.length), [67, 4]);
  assert.strictEqual(kept.requests, 2);
  assert.deepStrictEqual(kept.recipients, ['966501234567']);
  const { body: effects } = await p.control('GET', '/_peer/effects');
  assert.strictEqual(effects.accepted, 1);
  assert.strictEqual(effects.duplicates, 1);
}));

test('the API key is checked before anything else', () => withPeer({}, async (p) => {
  await p.control('POST', '/_peer/faults', { operation: 'SendMessage', status: 500 });
  const refused = await p.send(message(), { apiKey: 'wrong' });
  assert.strictEqual(refused.status, 401);
  assert.strictEqual((await refused.json()).code, 'UNAUTHORIZED');
  const { body: faults } = await p.control('GET', '/_peer/faults');
  assert.strictEqual(faults.rules.length, 1, 'the fault is still pending');
}));

test('recipients, sender, body and reference are validated', () => withPeer({ recipientPrefixes: ['966'], senders: ['Wasl', 'Clinic'] }, async (p) => {
  const cases = [
    [message({ recipients: ['+966501234567'] }), 'INVALID_RECIPIENT'],
    [message({ recipients: ['0501234567'] }), 'INVALID_RECIPIENT'],
    [message({ recipients: ['447911123456'] }), 'INVALID_RECIPIENT'],
    [message({ recipients: [] }), 'INVALID_RECIPIENT'],
    [message({ sender: 'Unknown' }), 'INVALID_SENDER'],
    [message({ body: '' }), 'INVALID_BODY'],
    [message({ clientReference: 'has space' }), 'INVALID_REFERENCE'],
    [message({ body: 'ب'.repeat(67 * 20 + 1) }), 'MESSAGE_TOO_LONG'],
  ];
  for (const [body, code] of cases) {
    const res = await p.send(body);
    assert.strictEqual(res.status, 400, JSON.stringify(body).slice(0, 80));
    assert.strictEqual((await res.json()).code, code);
  }
  const notUtf8 = Buffer.concat([Buffer.from('{"recipients":["966501234567"],"sender":"Wasl","body":"'), Buffer.from([0xff]), Buffer.from('"}')]);
  const res = await p.send(notUtf8);
  assert.strictEqual(res.status, 400);
  assert.strictEqual((await res.json()).code, 'INVALID_BODY');
  assert.strictEqual((await p.send(message({ sender: 'Clinic' }))).status, 201);
  const { body: effects } = await p.control('GET', '/_peer/effects');
  assert.strictEqual(effects.rejected, 9);
  assert.strictEqual(effects.messages, 1);
}));

test('faults: 500s, 429 with Retry-After, a slow answer, drop after accept', () => withPeer({}, async (p) => {
  await p.control('POST', '/_peer/faults', [
    { operation: 'SendMessage', count: 2, status: 500 },
    { operation: 'SendMessage', status: 429, retryAfterSeconds: 3 },
  ]);
  assert.strictEqual((await p.send(message())).status, 500);
  assert.strictEqual((await p.send(message())).status, 500);
  const limited = await p.send(message());
  assert.strictEqual(limited.status, 429);
  assert.strictEqual(limited.headers.get('retry-after'), '3');
  assert.strictEqual((await p.control('GET', '/_peer/effects')).body.messages, 0, 'no effect before the answer');
  assert.strictEqual((await p.send(message())).status, 201);

  await p.control('POST', '/_peer/faults', { operation: 'SendMessage', delayMs: 300 });
  const started = Date.now();
  assert.strictEqual((await p.send(message({ clientReference: 'slow' }))).status, 201);
  assert.ok(Date.now() - started >= 300);

  await p.control('POST', '/_peer/faults', { operation: 'SendMessage', drop: true });
  await assert.rejects(p.send(message({ clientReference: 'dropped' })));
  const stored = await p.control('GET', '/_peer/messages?clientReference=dropped');
  assert.strictEqual(stored.body.messages.length, 1, 'kept, though never answered');
  const resent = await p.send(message({ clientReference: 'dropped' }));
  assert.strictEqual(resent.status, 200);
  assert.strictEqual((await resent.json()).messageId, stored.body.messages[0].messageId);
  assert.strictEqual((await p.control('GET', '/_peer/effects')).body.messages, 3);
}));

test('each accepted message gets a signed receipt at the configured URL', async () => {
  const receiver = await startReceiver();
  try {
    await withPeer({ receiptUrl: receiver.url }, async (p) => {
      const answer = await (await p.send(message())).json();
      await poll(() => receiver.received.length === 1, 10000);
      const [posted] = receiver.received;
      assert.strictEqual(posted.url, '/v1/webhooks/notify.sms');
      assert.strictEqual(posted.headers['content-type'], 'application/json');
      const signature = checkSignature(posted.headers['x-signature'], posted.body);
      assert.ok(signature.valid, posted.headers['x-signature']);
      assert.ok(Math.abs(signature.t - Date.now() / 1000) < 60);
      const receipt = JSON.parse(posted.body);
      assert.strictEqual(receipt.messageId, answer.messageId);
      assert.strictEqual(receipt.clientReference, 'ref-1');
      assert.strictEqual(receipt.recipient, '966501234567');
      assert.strictEqual(receipt.status, 'DELIVERED');
      assert.ok(!Number.isNaN(Date.parse(receipt.statusAt)));
      assert.strictEqual(receipt.errorCode, undefined);
      await poll(async () => (await p.control('GET', `/_peer/messages/${answer.messageId}`)).body.receipts[0].state === 'posted', 10000);

      // Configured failures, and a stale receipt on demand.
      await p.control('POST', '/_peer/config', { receiptStatus: 'UNDELIVERABLE' });
      await p.send(message({ clientReference: 'ref-2' }));
      await poll(() => receiver.received.length === 2, 10000);
      const failed = JSON.parse(receiver.received[1].body);
      assert.strictEqual(failed.status, 'UNDELIVERABLE');
      assert.strictEqual(failed.errorCode, 'UNREACHABLE');
      const stale = await p.control('POST', `/_peer/messages/${answer.messageId}/receipt`,
        { status: 'EXPIRED', signedAtOffsetSeconds: -600 });
      assert.strictEqual(stale.status, 200);
      assert.strictEqual(stale.body.receipts[0].state, 'posted');
      const last = receiver.received[2];
      const old = checkSignature(last.headers['x-signature'], last.body);
      assert.ok(old.valid);
      assert.ok(Date.now() / 1000 - old.t >= 599);
      assert.strictEqual((await p.control('POST', `/_peer/messages/${answer.messageId}/receipt`, { status: 'SENT' })).status, 400);
    });
  } finally {
    await receiver.close();
  }
});

test('a receipt the receiver fails is retried, then given up; a refusal is not retried', async () => {
  const receiver = await startReceiver([503, 503, 503, 401]);
  try {
    await withPeer({ receiptUrl: receiver.url }, async (p) => {
      const answer = await (await p.send(message())).json();
      await poll(async () => (await p.control('GET', `/_peer/messages/${answer.messageId}`)).body.receipts[0].state === 'failed', 10000);
      assert.strictEqual(receiver.received.length, 3);
      const refused = await p.control('POST', `/_peer/messages/${answer.messageId}/receipt`, {});
      assert.strictEqual(refused.body.receipts[0].state, 'refused');
      assert.strictEqual(receiver.received.length, 4);
      const { body: effects } = await p.control('GET', '/_peer/effects');
      assert.strictEqual(effects.receiptsFailed, 1);
      assert.strictEqual(effects.receiptsRefused, 1);
    });
  } finally {
    await receiver.close();
  }
});

test('DELETE /_peer/messages forgets messages and their references', () => withPeer({}, async (p) => {
  const first = await (await p.send(message())).json();
  assert.deepStrictEqual((await p.control('DELETE', '/_peer/messages')).body, { cleared: 1 });
  assert.strictEqual((await p.control('GET', '/_peer/messages')).body.messages.length, 0);
  const again = await p.send(message());
  assert.strictEqual(again.status, 201, 'the reference is new again');
  assert.notStrictEqual((await again.json()).messageId, first.messageId);
  assert.strictEqual((await p.control('GET', `/_peer/messages/${first.messageId}`)).status, 404);
}));
