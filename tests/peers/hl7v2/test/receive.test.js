'use strict';
// The peer's MLLP listener: the hub's MDM documents checked, kept and
// answered (AA, or AE/AR with ERR), sent here with @medplum/hl7's Hl7Client.
const test = require('node:test');
const assert = require('node:assert');
const { startPeer, sendToPeer, mdm } = require('./helpers');
const { unescapeValue } = require('../src/hl7_text');

const msa = (ack) => [ack.getSegment('MSA').getField(1).toString(), ack.getSegment('MSA').getField(2).toString()];
const errs = (ack) => ack.getAllSegments('ERR').map((e) => ({
  location: e.getField(2).toString(), code: e.getComponent(3, 1), message: unescapeValue(e.getComponent(8, 1)),
}));

test('a valid MDM^T02 is answered AA and kept, parsed and raw', async () => {
  const peer = await startPeer();
  try {
    const { ack } = await sendToPeer(peer.mllpPort, mdm());
    assert.deepStrictEqual(msa(ack), ['AA', 'MDM0001']);
    assert.strictEqual(ack.getSegment('MSH').getField(18).toString(), 'UNICODE UTF-8');
    assert.strictEqual(ack.getSegment('MSH').getField(9).toString(), 'ACK^T02^ACK');
    const { body } = await peer.control('GET', '/_peer/received');
    assert.strictEqual(body.messages.length, 1);
    const [kept] = body.messages;
    assert.strictEqual(kept.msh10, 'MDM0001');
    assert.strictEqual(kept.message_type, 'MDM^T02');
    assert.strictEqual(kept.charset, 'UTF-8');
    assert.strictEqual(kept.raw, mdm());
    assert.strictEqual(kept.summary.patient.family, 'الحربي');
    assert.deepStrictEqual(kept.summary.patient.identifiers[0], { id: 'MRN-0001', authority: 'WASLHIS', type: 'MR' });
    assert.deepStrictEqual(kept.summary.document, {
      type: 'CN', presentation: 'TX', activity_time: '20250301101000+0300', number: 'DOC-0001', parent: '', filename: 'note.pdf', status: 'AU',
    });
    assert.deepStrictEqual(kept.summary.observations.map((o) => [o.value_type, o.status]), [['TX', 'F'], ['ED', 'F'], ['NM', 'F']]);
    assert.strictEqual(kept.summary.observations[0].value, 'المريضة بحالة جيدة\nFollow up in 2 weeks');
    assert.strictEqual(kept.summary.observations[2].value, '72');
    assert.strictEqual(kept.summary.visit.number, 'V-77');
  } finally {
    await peer.close();
  }
});

test('the same MSH-10 again is AA and kept once; another message with the same TXA-12 is AE 205', async () => {
  const peer = await startPeer();
  try {
    assert.deepStrictEqual(msa((await sendToPeer(peer.mllpPort, mdm())).ack), ['AA', 'MDM0001']);
    assert.deepStrictEqual(msa((await sendToPeer(peer.mllpPort, mdm())).ack), ['AA', 'MDM0001']);
    const { ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: 'MDM0002' }));
    assert.deepStrictEqual(msa(ack), ['AE', 'MDM0002']);
    assert.deepStrictEqual(errs(ack), [{ location: 'TXA^1^12', code: '205', message: 'TXA-12 DOC-0001 was already used by message MDM0001' }]);
    assert.deepStrictEqual(msa((await sendToPeer(peer.mllpPort, mdm({ msh10: 'MDM0003', number: 'DOC-0002' }))).ack), ['AA', 'MDM0003']);
    const { body } = await peer.control('GET', '/_peer/received');
    assert.deepStrictEqual(body.messages.map((m) => [m.msh10, m.deliveries]), [['MDM0001', 2], ['MDM0003', 1]]);
    const effects = await peer.control('GET', '/_peer/effects');
    assert.strictEqual(effects.body.mdmAccepted, 2);
    assert.strictEqual(effects.body.mdmDuplicates, 1);
    assert.strictEqual(effects.body.mdmRejected, 1);
  } finally {
    await peer.close();
  }
});

test('a broken MDM is answered AE with an ERR per problem, and not kept', async () => {
  const peer = await startPeer();
  const base = mdm().split('\r');
  const [MSH, EVN, PID, PV1, TXA, OBX1, OBX2, OBX3] = base;
  try {
    for (const [segments, expected] of [
      [[MSH, EVN, PID, PV1, OBX1, TXA], [{ location: '', code: '100', message: 'the segments MSH EVN PID PV1 OBX TXA are not in MDM_T02 order' }]],
      [[MSH, EVN, PID, PV1, OBX1], [{ location: 'TXA^1', code: '100', message: 'TXA is missing' }]],
      [[MSH, EVN, PID, PV1, TXA], [{ location: 'OBX^1', code: '100', message: 'OBX is missing' }]],
      [[MSH, EVN, PID, PV1, TXA.replace('DOC-0001', ''), OBX1], [{ location: 'TXA^1^12', code: '101', message: 'TXA-12 (unique document number) is missing' }]],
      [[MSH, EVN, PID, PV1, TXA.replace('|AU', '|XX'), OBX1], [{ location: 'TXA^1^17', code: '103', message: 'TXA-17 "XX" is not in table 0271' }]],
      [[MSH, EVN, PID, PV1, TXA, OBX1.replace('||||||F', '||||||')], [{ location: 'OBX^1^11', code: '101', message: 'OBX-11 (result status) is missing' }]],
      [[MSH, EVN, PID, PV1, TXA, OBX1, OBX2, OBX3.replace('||72|', '||seventy|')], [{ location: 'OBX^3^5', code: '102', message: 'OBX-5 "seventy" is not a number' }]],
      [[MSH, EVN, PID, PV1, TXA, OBX2.replace('OBX|2', 'OBX|1').replace('Base64^', 'Base64^not*base64')], [{ location: 'OBX^1^5', code: '102', message: 'OBX-5 encapsulated data is not Base64' }]],
      [[MSH, EVN, PID, PV1, TXA, OBX1.replace('OBX|1', 'OBX|4')], [{ location: 'OBX^1^1', code: '102', message: 'OBX-1 is "4", not 1' }]],
      [[MSH, EVN, PID, PV1, TXA, 'OBX|1|DR|ATTEND-PATIENT^Patient in the session^L|1|20250301101500+0300^20250301100000+0300||||||F'],
        [{ location: 'OBX^1^5', code: '102', message: 'OBX-5 range ends before it starts' }]],
      [[MSH, EVN, PID, PV1, TXA, 'OBX|1|DR|ATTEND-PATIENT^Patient in the session^L|1|yesterday||||||F'],
        [{ location: 'OBX^1^5', code: '102', message: 'OBX-5 range start "yesterday" is not a DTM' }]],
    ]) {
      const { ack } = await sendToPeer(peer.mllpPort, segments.join('\r'));
      assert.strictEqual(ack.getSegment('MSA').getField(1).toString(), 'AE', segments.join(' / '));
      assert.deepStrictEqual(errs(ack), expected);
    }
    const { body } = await peer.control('GET', '/_peer/received');
    assert.strictEqual(body.messages.length, 0);
    const deliveries = await peer.control('GET', '/_peer/received/deliveries');
    assert.strictEqual(deliveries.body.records.length, 11);
    assert.ok(deliveries.body.records.every((r) => r.item.ack_code === 'AE' && r.item.problems.length === 1));
  } finally {
    await peer.close();
  }
});

test('attendance periods as DR observations are taken, an open one without its end', async () => {
  const peer = await startPeer();
  const [MSH, EVN, PID, PV1, TXA, OBX1] = mdm({ msh10: 'MDM0009', number: 'DOC-0009' }).split('\r');
  try {
    const periods = [
      'OBX|2|DR|ATTEND-PATIENT^Patient in the session^L|1|20250301100500+0300^20250301101000+0300||||||F',
      'OBX|3|DR|ATTEND-CLINICIAN^Clinician in the session^L|2|20250301070000+0000^20250301071500+0000||||||F|||||DR-0007',
      'OBX|4|DR|ATTEND-GUEST^Guest in the session^L|3|20250301100800+0300||||||F',
    ];
    const { ack } = await sendToPeer(peer.mllpPort, [MSH, EVN, PID, PV1, TXA, OBX1, ...periods].join('\r'));
    assert.deepStrictEqual(msa(ack), ['AA', 'MDM0009']);
    const { body } = await peer.control('GET', '/_peer/received');
    const observations = body.messages[0].summary.observations;
    assert.deepStrictEqual(observations.slice(1).map((o) => [o.value_type, o.sub_id, o.value, o.observer]), [
      ['DR', '1', '20250301100500+0300^20250301101000+0300', ''],
      ['DR', '2', '20250301070000+0000^20250301071500+0000', 'DR-0007'],
      ['DR', '3', '20250301100800+0300', ''],
    ]);
  } finally {
    await peer.close();
  }
});

test('another message type or event is AR; T01 goes without OBX; T08 is taken', async () => {
  const peer = await startPeer();
  try {
    const adt = mdm().replace('MDM^T02^MDM_T02', 'ADT^A01^ADT_A01');
    let { ack } = await sendToPeer(peer.mllpPort, adt);
    assert.strictEqual(msa(ack)[0], 'AR');
    assert.strictEqual(errs(ack)[0].code, '200');
    ({ ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: 'M4', event: 'T04' })));
    assert.strictEqual(msa(ack)[0], 'AR');
    assert.strictEqual(errs(ack)[0].code, '201');
    const [MSH, EVN, PID, PV1, TXA] = mdm({ msh10: 'M5', event: 'T01', structure: 'MDM_T01', number: 'DOC-5' }).split('\r');
    ({ ack } = await sendToPeer(peer.mllpPort, [MSH, EVN, PID, PV1, TXA].join('\r')));
    assert.deepStrictEqual(msa(ack), ['AA', 'M5']);
    ({ ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: 'M6', event: 'T01', structure: 'MDM_T01', number: 'DOC-6' })));
    assert.strictEqual(msa(ack)[0], 'AE');
    assert.strictEqual(errs(ack)[0].message, 'MDM^T01 carries no OBX');
    ({ ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: 'M7', event: 'T08', number: 'DOC-7' })));
    assert.deepStrictEqual(msa(ack), ['AA', 'M7']);
    ({ ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: 'M8', number: 'DOC-8', charset: '8859/1' })));
    assert.strictEqual(msa(ack)[0], 'AE');
    assert.deepStrictEqual(errs(ack)[0].location, 'MSH^1^18');
  } finally {
    await peer.close();
  }
});

test('an MDM in ISO-8859-6 or windows-1256 is read in its MSH-18 charset and answered in it', async () => {
  const peer = await startPeer();
  try {
    for (const [charset, encoding, n] of [['8859/6', 'iso-8859-6', 1], ['WINDOWS-1256', 'windows-1256', 2]]) {
      const { ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: `C${n}`, number: `DOC-C${n}`, charset }), encoding);
      assert.deepStrictEqual(msa(ack), ['AA', `C${n}`]);
      assert.strictEqual(ack.getSegment('MSH').getField(18).toString(), charset);
    }
    const { body } = await peer.control('GET', '/_peer/received');
    assert.deepStrictEqual(body.messages.map((m) => [m.charset, m.summary.patient.family, m.summary.patient.given]),
      [['ISO-8859-6', 'الحربي', 'سارة'], ['WINDOWS-1256', 'الحربي', 'سارة']]);
    assert.strictEqual(body.messages[0].summary.observations[0].value, 'المريضة بحالة جيدة\nFollow up in 2 weeks');
  } finally {
    await peer.close();
  }
});

test('ack faults: AE once, then AA; a close once, and the retry kept (or kept already, with keep)', async () => {
  const peer = await startPeer();
  try {
    let answer = await peer.control('POST', '/_peer/faults', { ack: 'AE' });
    assert.strictEqual(answer.status, 200);
    let { ack } = await sendToPeer(peer.mllpPort, mdm());
    assert.deepStrictEqual(msa(ack), ['AE', 'MDM0001']);
    assert.strictEqual(errs(ack)[0].code, '207');
    ({ ack } = await sendToPeer(peer.mllpPort, mdm()));
    assert.deepStrictEqual(msa(ack), ['AA', 'MDM0001']);

    await peer.control('POST', '/_peer/faults', { ack: 'close' });
    assert.deepStrictEqual(await sendToPeer(peer.mllpPort, mdm({ msh10: 'R2', number: 'DOC-R2' })), { closed: true });
    ({ ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: 'R2', number: 'DOC-R2' })));
    assert.deepStrictEqual(msa(ack), ['AA', 'R2']);

    await peer.control('POST', '/_peer/faults', { ack: 'close', keep: true });
    assert.deepStrictEqual(await sendToPeer(peer.mllpPort, mdm({ msh10: 'R3', number: 'DOC-R3' })), { closed: true });
    ({ ack } = await sendToPeer(peer.mllpPort, mdm({ msh10: 'R3', number: 'DOC-R3' })));
    assert.deepStrictEqual(msa(ack), ['AA', 'R3']);

    const { body } = await peer.control('GET', '/_peer/received');
    assert.deepStrictEqual(body.messages.map((m) => [m.msh10, m.deliveries]), [['MDM0001', 1], ['R2', 1], ['R3', 2]]);
    const effects = await peer.control('GET', '/_peer/effects');
    assert.deepStrictEqual(effects.body.ackFaults, { AE: 1, close: 2 });
    const faults = await peer.control('GET', '/_peer/faults');
    assert.deepStrictEqual(faults.body.ackFaults, []);
  } finally {
    await peer.close();
  }
});

test('fault rules other than ack rules are refused; reset forgets documents and rules', async () => {
  const peer = await startPeer();
  try {
    for (const rule of [{ operation: '*', status: 500 }, { ack: 'XX' }, { ack: 'AE', keep: true }, { ack: 'close', count: 0 }]) {
      const answer = await peer.control('POST', '/_peer/faults', rule);
      assert.strictEqual(answer.status, 400, JSON.stringify(rule));
    }
    await peer.control('POST', '/_peer/faults', { ack: 'AE', count: 3 });
    await sendToPeer(peer.mllpPort, mdm());
    assert.strictEqual((await peer.control('POST', '/_peer/reset')).status, 200);
    assert.deepStrictEqual((await peer.control('GET', '/_peer/faults')).body.ackFaults, []);
    const { ack } = await sendToPeer(peer.mllpPort, mdm());
    assert.deepStrictEqual(msa(ack), ['AA', 'MDM0001']);
    await peer.control('POST', '/_peer/reset');
    assert.deepStrictEqual((await peer.control('GET', '/_peer/received')).body.messages, []);
    assert.deepStrictEqual(msa((await sendToPeer(peer.mllpPort, mdm())).ack), ['AA', 'MDM0001']);
  } finally {
    await peer.close();
  }
});
