'use strict';
// The peer's MLLP listener and the hub's ORU^R01 vital signs: checked
// (oru_check.js), kept once per MSH-10 and answered AA, or AE/AR with ERR,
// sent here with @medplum/hl7's Hl7Client.
const test = require('node:test');
const assert = require('node:assert');
const { startPeer, sendToPeer, oru, mdm } = require('./helpers');
const { unescapeValue } = require('../src/hl7_text');

const msa = (ack) => [ack.getSegment('MSA').getField(1).toString(), ack.getSegment('MSA').getField(2).toString()];
const errs = (ack) => ack.getAllSegments('ERR').map((e) => ({
  location: e.getField(2).toString(), code: e.getComponent(3, 1), message: unescapeValue(e.getComponent(8, 1)),
}));
const obx = (n, code, value, unit) => `OBX|${n}|NM|${code}^^LN||${value}|${unit}^${unit}^UCUM|||||F|||20250301100500+0300`;

test('a blood pressure panel is answered AA and kept with both components', async () => {
  const peer = await startPeer();
  try {
    const { ack } = await sendToPeer(peer.mllpPort, oru());
    assert.deepStrictEqual(msa(ack), ['AA', 'ORU0001']);
    assert.strictEqual(ack.getSegment('MSH').getField(9).toString(), 'ACK^R01^ACK');
    const { body } = await peer.control('GET', '/_peer/received');
    assert.strictEqual(body.messages.length, 1);
    const [kept] = body.messages;
    assert.strictEqual(kept.message_type, 'ORU^R01');
    assert.strictEqual(kept.raw, oru());
    assert.strictEqual(kept.summary.patient.family, 'الحربي');
    assert.strictEqual(kept.summary.visit.number, 'V-77');
    assert.strictEqual(kept.summary.results.length, 1);
    const [result] = kept.summary.results;
    assert.deepStrictEqual([result.code, result.filler, result.observed_at, result.status],
      ['85354-9', 'OBS-0001', '20250301100500+0300', 'F']);
    assert.deepStrictEqual(result.observations.map((o) => [o.code, o.value, o.units, o.units_system, o.status, o.observer]), [
      ['8480-6', '128', 'mm[Hg]', 'UCUM', 'F', 'DR-0007'],
      ['8462-4', '82', 'mm[Hg]', 'UCUM', 'F', 'DR-0007'],
    ]);
    assert.strictEqual((await peer.control('GET', '/_peer/effects')).body.oruAccepted, 1);
  } finally {
    await peer.close();
  }
});

test('each vital sign the hub records is taken in each of its units', async () => {
  const peer = await startPeer();
  try {
    const vitals = [
      ['8867-4', '72', '/min'], ['8310-5', '36.8', 'Cel'], ['8310-5', '98.6', '[degF]'],
      ['59408-5', '97', '%'], ['2708-6', '96', '%'], ['9279-1', '16', '/min'],
      ['29463-7', '70.5', 'kg'], ['29463-7', '155.4', '[lb_av]'], ['2339-0', '5.4', 'mmol/L'], ['2339-0', '97', 'mg/dL'],
    ];
    for (const [i, [code, value, unit]] of vitals.entries()) {
      const text = oru({ msh10: `V${i}`, filler: `OBS-V${i}`, code: `${code}^^LN`, observations: [obx(1, code, value, unit)] });
      const { ack } = await sendToPeer(peer.mllpPort, text);
      assert.deepStrictEqual(msa(ack), ['AA', `V${i}`], `${code} ${unit}: ${JSON.stringify(errs(ack))}`);
    }
    const { body } = await peer.control('GET', '/_peer/received');
    assert.deepStrictEqual(body.messages.map((m) => {
      const [o] = m.summary.results[0].observations;
      return [o.code, o.value, o.units];
    }), vitals);
  } finally {
    await peer.close();
  }
});

test('the same MSH-10 again is AA and kept once; another message with the same OBR-3 is AE 205', async () => {
  const peer = await startPeer();
  try {
    assert.deepStrictEqual(msa((await sendToPeer(peer.mllpPort, oru())).ack), ['AA', 'ORU0001']);
    assert.deepStrictEqual(msa((await sendToPeer(peer.mllpPort, oru())).ack), ['AA', 'ORU0001']);
    const { ack } = await sendToPeer(peer.mllpPort, oru({ msh10: 'ORU0002' }));
    assert.deepStrictEqual(msa(ack), ['AE', 'ORU0002']);
    assert.deepStrictEqual(errs(ack), [{ location: 'OBR^1^3', code: '205', message: 'OBR-3 OBS-0001 was already used by message ORU0001' }]);
    const { body } = await peer.control('GET', '/_peer/received');
    assert.deepStrictEqual(body.messages.map((m) => [m.msh10, m.deliveries]), [['ORU0001', 2]]);
    const effects = (await peer.control('GET', '/_peer/effects')).body;
    assert.deepStrictEqual([effects.oruAccepted, effects.oruDuplicates, effects.oruRejected], [1, 1, 1]);
    assert.strictEqual(effects.mdmAccepted, undefined);
  } finally {
    await peer.close();
  }
});

test('a broken ORU is answered AE with an ERR per problem, and not kept', async () => {
  const peer = await startPeer();
  const [MSH, PID, PV1, OBR, SYS, DIA] = oru().split('\r');
  const hr = (o) => oru({ code: '8867-4^Heart rate^LN', observations: [o] }).split('\r');
  try {
    for (const [segments, expected] of [
      [[MSH, PID, PV1, OBR, SYS], [{ location: 'OBR^1^4', code: '100', message: 'OBR 85354-9 (blood pressure) needs OBX 8480-6 and 8462-4 once each, got 8480-6' }]],
      [[MSH, PID, PV1, OBR, SYS, SYS.replace('OBX|1', 'OBX|2')], [{ location: 'OBR^1^4', code: '100', message: 'OBR 85354-9 (blood pressure) needs OBX 8480-6 and 8462-4 once each, got 8480-6, 8480-6' }]],
      [[MSH, PV1, OBR, SYS, DIA], [{ location: 'PID^1', code: '100', message: 'PID is missing' }]],
      [[MSH, PID, PV1, SYS, OBR, DIA], [{ location: '', code: '100', message: 'the segments MSH PID PV1 OBX OBR OBX are not in ORU_R01 order' }]],
      [[MSH, PID, PV1, OBR.replace('85354-9^Blood pressure panel with all children optional^LN', '8302-2^Body height^LN'), SYS, DIA],
        [{ location: 'OBR^1^4', code: '103', message: 'OBR-4 8302-2 is not a vital sign the peer knows (85354-9, 8867-4, 8310-5, 59408-5, 2708-6, 9279-1, 29463-7, 2339-0)' }]],
      [[MSH, PID, PV1, OBR.replace('^LN', '^L'), SYS, DIA], [{ location: 'OBR^1^4', code: '103', message: 'OBR-4 85354-9 is coded in "L", not LOINC (LN)' }]],
      [[MSH, PID, PV1, OBR.replace('OBS-0001^WASL', ''), SYS, DIA], [{ location: 'OBR^1^3', code: '101', message: 'OBR-3 (filler order number) is missing' }]],
      [[MSH, PID, PV1, OBR.replace(/\|F$/, '|'), SYS, DIA], [{ location: 'OBR^1^25', code: '101', message: 'OBR-25 (result status) is missing' }]],
      [[MSH, PID, PV1, OBR, SYS, DIA.replace('||82|', '||high|')], [{ location: 'OBX^2^5', code: '102', message: 'OBX-5 "high" is not a number' }]],
      [[MSH, PID, PV1, OBR, SYS, DIA.replace('||82|', '||-82|')], [{ location: 'OBX^2^5', code: '102', message: 'OBX-5 -82 is not a positive number' }]],
      [[MSH, PID, PV1, OBR, SYS, DIA.replace('|NM|', '|ST|')], [{ location: 'OBX^2^2', code: '102', message: 'OBX-2 is "ST", not NM: a vital sign is a number' }]],
      [[MSH, PID, PV1, OBR, SYS, DIA.replace('mm[Hg]^mm[Hg]^UCUM', 'kPa^kPa^UCUM')], [{ location: 'OBX^2^6', code: '103', message: 'OBX-6 kPa is not a unit of diastolic blood pressure 8462-4 (mm[Hg])' }]],
      [[MSH, PID, PV1, OBR, SYS, DIA.replace('mm[Hg]^mm[Hg]^UCUM', 'mmHg^mmHg^L')], [{ location: 'OBX^2^6', code: '103', message: 'OBX-6 mmHg is coded in "L", not UCUM' }]],
      [[MSH, PID, PV1, OBR, SYS, DIA.replace('|||20250301100500+0300', '|||')], [{ location: 'OBX^2^14', code: '101', message: 'OBX-14 (date/time of the observation) is missing' }]],
      [[MSH, PID, PV1, OBR, SYS, DIA.replace('OBX|2', 'OBX|3')], [{ location: 'OBX^2^1', code: '102', message: 'OBX-1 is "3", not 2' }]],
      [hr(obx(1, '8867-4', '72', 'kg')), [{ location: 'OBX^1^6', code: '103', message: 'OBX-6 kg is not a unit of heart rate 8867-4 (/min)' }]],
      [hr(obx(1, '9279-1', '16', '/min')), [{ location: 'OBR^1^4', code: '100', message: 'OBR 8867-4 (heart rate) needs OBX 8867-4 once each, got 9279-1' }]],
    ]) {
      const { ack } = await sendToPeer(peer.mllpPort, segments.join('\r'));
      assert.strictEqual(msa(ack)[0], 'AE', segments.join(' / '));
      assert.deepStrictEqual(errs(ack), expected, segments.join(' / '));
    }
    assert.deepStrictEqual((await peer.control('GET', '/_peer/received')).body.messages, []);
    const deliveries = await peer.control('GET', '/_peer/received/deliveries');
    assert.strictEqual(deliveries.body.records.length, 17);
    assert.ok(deliveries.body.records.every((r) => r.item.ack_code === 'AE' && r.item.message_type === 'ORU^R01'));
  } finally {
    await peer.close();
  }
});

test('another ORU event is AR; an ORU and an MDM are kept side by side; ack faults apply to ORUs', async () => {
  const peer = await startPeer();
  try {
    let { ack } = await sendToPeer(peer.mllpPort, oru({ event: 'R30' }));
    assert.strictEqual(msa(ack)[0], 'AR');
    assert.strictEqual(errs(ack)[0].code, '201');
    ({ ack } = await sendToPeer(peer.mllpPort, mdm()));
    assert.deepStrictEqual(msa(ack), ['AA', 'MDM0001']);

    await peer.control('POST', '/_peer/faults', { ack: 'close', keep: true });
    assert.deepStrictEqual(await sendToPeer(peer.mllpPort, oru()), { closed: true });
    ({ ack } = await sendToPeer(peer.mllpPort, oru()));
    assert.deepStrictEqual(msa(ack), ['AA', 'ORU0001']);
    const { body } = await peer.control('GET', '/_peer/received');
    assert.deepStrictEqual(body.messages.map((m) => [m.message_type, m.deliveries]), [['MDM^T02', 1], ['ORU^R01', 2]]);

    await peer.control('POST', '/_peer/reset');
    ({ ack } = await sendToPeer(peer.mllpPort, oru()));
    assert.deepStrictEqual(msa(ack), ['AA', 'ORU0001']);
    assert.strictEqual((await peer.control('GET', '/_peer/received')).body.messages[0].deliveries, 1);
  } finally {
    await peer.close();
  }
});
