'use strict';
// The transport faults of a send arrive at the hub as sent: a stand-in hub
// (Hl7Server) records every TCP read of its connections.
const test = require('node:test');
const assert = require('node:assert');
const { poll } = require('../../support');
const { startPeer, startHub } = require('./helpers');

async function withPeer(hubOptions, run) {
  const hub = await startHub(hubOptions);
  const peer = await startPeer({ hubPort: hub.port });
  try {
    await run(peer, hub);
  } finally {
    await peer.close();
    await hub.stop();
  }
}

const msh10Of = (record) => record.message.getSegment('MSH').getField(10).toString();

test('fragments: several writes, apart in time, that reassemble into the message', async () => {
  await withPeer({}, async (peer, hub) => {
    const { body } = await peer.control('POST', '/_peer/send', {
      type: 'SIU^S12', fault: { kind: 'fragments', pieces: 5, delay_ms: 40 },
    });
    assert.strictEqual(body.outcome, 'acked', JSON.stringify(body));
    assert.strictEqual(body.writes, 5);
    assert.strictEqual(hub.received.length, 1);
    assert.strictEqual(hub.received[0].message.toString(), body.message);
    const reads = hub.connections[0].reads;
    assert.ok(reads.length >= 3, `${reads.length} reads`);
    assert.ok(reads[reads.length - 1].at - reads[0].at >= 100, 'the pieces came apart in time');
  });
});

test('duplicate: the same message, same MSH-10, twice, each ACKed', async () => {
  await withPeer({}, async (peer, hub) => {
    let { body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S13', fault: 'duplicate' });
    assert.strictEqual(body.outcome, 'acked');
    assert.strictEqual(body.acks.length, 2);
    assert.deepStrictEqual(body.acks.map((a) => a.msa2), [body.msh10, body.msh10]);
    assert.deepStrictEqual(hub.received.map(msh10Of), [body.msh10, body.msh10]);
    assert.strictEqual(hub.received[0].message.toString(), hub.received[1].message.toString());
    assert.deepStrictEqual(hub.received.map((r) => r.connection), [0, 0]);

    ({ body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S13', fault: { kind: 'duplicate', reconnect: true } }));
    assert.strictEqual(body.acks.length, 2);
    assert.deepStrictEqual(hub.received.slice(2).map(msh10Of), [body.msh10, body.msh10]);
    assert.deepStrictEqual(hub.received.slice(2).map((r) => r.connection), [1, 2]);
  });
});

test('drop: the hub gets the message, the peer closes before any ACK', async () => {
  await withPeer({}, async (peer, hub) => {
    const { body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S15', fault: 'drop' });
    assert.strictEqual(body.outcome, 'dropped');
    assert.strictEqual(body.ack_code, null);
    await poll(() => hub.received.length === 1 && hub.connections[0].closed, 5000);
    assert.strictEqual(msh10Of(hub.received[0]), body.msh10);
  });
});

test('stall: half, a pause, then the rest; or half and a close', async () => {
  await withPeer({}, async (peer, hub) => {
    let { body } = await peer.control('POST', '/_peer/send', { type: 'ADT^A04', fault: { kind: 'stall', stall_ms: 300 } });
    assert.strictEqual(body.outcome, 'acked');
    assert.strictEqual(hub.received.length, 1);
    const reads = hub.connections[0].reads;
    assert.strictEqual(reads.length, 2);
    assert.ok(reads[1].at - reads[0].at >= 250, `${reads[1].at - reads[0].at} ms between the halves`);

    ({ body } = await peer.control('POST', '/_peer/send', { type: 'ADT^A04', fault: { kind: 'stall', stall_ms: 100, then: 'close' } }));
    assert.strictEqual(body.outcome, 'abandoned');
    await poll(() => hub.connections[1] && hub.connections[1].closed, 5000);
    assert.strictEqual(hub.received.length, 1, 'half a message is no message');
    const half = hub.connections[1].reads.reduce((n, r) => n + r.bytes, 0);
    assert.strictEqual(half, Math.floor((body.bytes + 3) / 2));
  });
});

test('oversize: exactly 2 MiB of message arrives and is ACKed', async () => {
  await withPeer({}, async (peer, hub) => {
    const { body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S12', fault: 'oversize' });
    assert.strictEqual(body.outcome, 'acked', JSON.stringify({ ...body, message: undefined }));
    assert.strictEqual(body.bytes, 2 * 1024 * 1024);
    assert.strictEqual(body.message, null);
    assert.strictEqual(hub.received.length, 1);
    assert.strictEqual(hub.received[0].raw.length, 2 * 1024 * 1024);
    assert.strictEqual(hub.received[0].message.getSegment('NTE').getField(3).toString().length > 2000000, true);

    const adt = await peer.control('POST', '/_peer/send', { type: 'ADT^A08', charset: 'WINDOWS-1256', fault: { kind: 'oversize', bytes: 100000 } });
    assert.strictEqual(adt.body.bytes, 100000);
    assert.strictEqual(hub.received[1].raw.length, 100000);
    assert.strictEqual(hub.received[1].message.getSegment('OBX').getField(2).toString(), 'TX');
  });
});
