'use strict';
// POST /_peer/send: each message type built from its parameters in v2.5.1
// order, sent to a stand-in hub (Hl7Server), and the ACK read and checked.
const test = require('node:test');
const assert = require('node:assert');
const { startPeer, startHub } = require('./helpers');

const names = (message) => message.segments.map((s) => s.name).join(' ');

test('SIU^S12 carries the appointment in SIU_S12 order and reports the AA', async () => {
  const hub = await startHub();
  const peer = await startPeer({ hubPort: hub.port });
  try {
    const { status, body } = await peer.control('POST', '/_peer/send', {
      type: 'SIU^S12',
      appointment_id: 'APT-42',
      mrn: 'MRN-9', mrn_authority: 'KFMC',
      national_id: '1122334455',
      family: 'القحطاني', given: 'نورة',
      birth_date: '1990-02-03', gender: 'F', phone: '+966555000111',
      practitioner_id: 'DR-5', practitioner_family: 'Smith', practitioner_given: 'Anna',
      start: '2025-05-10T08:00:00+03:00', duration_minutes: 20,
      fields: { service_code: 'DERM', service_text: 'Dermatology video visit', location: 'TELE-2', facility: 'KFMC' },
    });
    assert.strictEqual(status, 200, JSON.stringify(body));
    assert.strictEqual(body.outcome, 'acked');
    assert.strictEqual(body.ack_code, 'AA');
    assert.strictEqual(body.msa2_matches, true);
    assert.deepStrictEqual(body.problems, []);
    assert.strictEqual(hub.received.length, 1);
    const m = hub.received[0].message;
    assert.strictEqual(names(m), 'MSH SCH PID PV1 RGS AIS AIL AIP');
    const msh = m.getSegment('MSH');
    assert.strictEqual(msh.getField(9).toString(), 'SIU^S12^SIU_S12');
    assert.strictEqual(msh.getField(10).toString(), body.msh10);
    assert.strictEqual(msh.getField(12).toString(), '2.5.1');
    assert.strictEqual(msh.getField(18).toString(), 'UNICODE UTF-8');
    const sch = m.getSegment('SCH');
    assert.strictEqual(sch.getComponent(1, 1), 'APT-42');
    assert.strictEqual(sch.getField(11).toString(), '^^20^20250510080000+0300^20250510082000+0300');
    assert.strictEqual(sch.getField(25).toString(), 'Booked');
    const pid = m.getSegment('PID');
    assert.strictEqual(pid.getField(3).toString(), 'MRN-9^^^KFMC^MR~1122334455^^^SAU^NI');
    assert.strictEqual(pid.getComponent(5, 1), 'القحطاني');
    assert.strictEqual(pid.getComponent(5, 2), 'نورة');
    assert.strictEqual(pid.getField(7).toString(), '19900203');
    assert.strictEqual(pid.getField(8).toString(), 'F');
    assert.strictEqual(pid.getComponent(13, 1), '+966555000111');
    assert.strictEqual(m.getSegment('PV1').getField(7).toString(), 'DR-5^Smith^Anna^^^^^^SCFHS');
    assert.strictEqual(m.getSegment('AIP').getField(3).toString(), 'DR-5^Smith^Anna^^^^^^SCFHS');
    assert.strictEqual(m.getSegment('AIS').getField(3).toString(), 'DERM^Dermatology video visit^L');
    assert.strictEqual(m.getSegment('AIS').getField(4).toString(), '20250510080000+0300');
    assert.strictEqual(m.getSegment('AIL').getField(3).toString(), 'TELE-2^^^KFMC');
    const sent = await peer.control('GET', '/_peer/sent');
    assert.strictEqual(sent.body.sends.length, 1);
    const effects = await peer.control('GET', '/_peer/effects');
    assert.strictEqual(effects.body.acks.AA, 1);
  } finally {
    await peer.close();
    await hub.stop();
  }
});

test('every SIU and ADT event has its structure, status and segments', async () => {
  const hub = await startHub();
  const peer = await startPeer({ hubPort: hub.port });
  const coverage = {
    payer_id: '7001', payer_name: 'Bupa Arabia', plan_id: 'GOLD', plan_name: 'Gold', plan_type: 'PPO',
    member_id: 'M-777', policy_number: 'POL-9', period_start: '2025-01-01', period_end: '2025-12-31',
  };
  const cases = [
    ['SIU^S12', {}, 'SIU^S12^SIU_S12', 'MSH SCH PID PV1 RGS AIS AIL AIP', 'Booked'],
    ['SIU^S13', {}, 'SIU^S13^SIU_S12', 'MSH SCH PID PV1 RGS AIS AIL AIP', 'Booked'],
    ['SIU^S14', { resource_id: 'ROOM-1', resource_text: 'Video room' }, 'SIU^S14^SIU_S12', 'MSH SCH PID PV1 RGS AIS AIG AIL AIP', 'Booked'],
    ['SIU^S15', {}, 'SIU^S15^SIU_S12', 'MSH SCH PID PV1 RGS AIS AIL AIP', 'Cancelled'],
    ['SIU^S17', {}, 'SIU^S17^SIU_S12', 'MSH SCH PID PV1 RGS AIS AIL AIP', 'Deleted'],
    ['SIU^S26', {}, 'SIU^S26^SIU_S12', 'MSH SCH PID PV1 RGS AIS AIL AIP', 'Noshow'],
    ['ADT^A04', { coverage }, 'ADT^A04^ADT_A01', 'MSH EVN PID PV1 IN1'],
    ['ADT^A08', {}, 'ADT^A08^ADT_A01', 'MSH EVN PID PV1'],
    ['ADT^A31', { coverage }, 'ADT^A31^ADT_A05', 'MSH EVN PID PV1 IN1'],
    ['ADT^A40', { merge_mrn: 'MRN-OLD' }, 'ADT^A40^ADT_A39', 'MSH EVN PID MRG'],
  ];
  try {
    for (const [type, fields, msh9, order, status] of cases) {
      const { status: code, body } = await peer.control('POST', '/_peer/send', { type, fields });
      assert.strictEqual(code, 200, `${type}: ${JSON.stringify(body)}`);
      assert.strictEqual(body.ack_code, 'AA', type);
      const m = hub.received[hub.received.length - 1].message;
      assert.strictEqual(m.getSegment('MSH').getField(9).toString(), msh9);
      assert.strictEqual(names(m), order, type);
      if (status) assert.strictEqual(m.getSegment('SCH').getField(25).toString(), status, type);
      if (type === 'ADT^A04') {
        const in1 = m.getSegment('IN1');
        assert.strictEqual(in1.getField(2).toString(), 'GOLD^Gold');
        assert.strictEqual(in1.getField(3).toString(), '7001');
        assert.strictEqual(in1.getField(4).toString(), 'Bupa Arabia');
        assert.strictEqual(in1.getField(12).toString(), '20250101');
        assert.strictEqual(in1.getField(13).toString(), '20251231');
        assert.strictEqual(in1.getField(15).toString(), 'PPO');
        assert.strictEqual(in1.getField(36).toString(), 'POL-9');
        assert.strictEqual(in1.getField(49).toString(), 'M-777^^^7001');
        assert.strictEqual(m.getSegment('EVN').getField(1).toString(), 'A04');
      }
      if (type === 'ADT^A31') assert.strictEqual(m.getSegment('PV1').getField(2).toString(), 'N');
      if (type === 'ADT^A40') assert.strictEqual(m.getSegment('MRG').getField(1).toString(), 'MRN-OLD^^^WASLHIS^MR');
    }
    const ids = new Set(hub.received.map((r) => r.message.getSegment('MSH').getField(10).toString()));
    assert.strictEqual(ids.size, cases.length, 'each send has its own MSH-10');
  } finally {
    await peer.close();
    await hub.stop();
  }
});

test('delimiters in a value are escaped, and come back as sent', async () => {
  const hub = await startHub();
  const peer = await startPeer({ hubPort: hub.port });
  try {
    const { body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S12', service_text: 'Skin | hair ^ nails & more ~ \\ all' });
    assert.strictEqual(body.ack_code, 'AA');
    const ais = hub.received[0].message.getSegment('AIS');
    assert.strictEqual(ais.getField(3).toString(), 'TELECONSULT^Skin \\F\\ hair \\S\\ nails \\T\\ more \\R\\ \\E\\ all^L');
  } finally {
    await peer.close();
    await hub.stop();
  }
});

test('the ACK code, ERR and a wrong MSA-2 are reported as the hub answered', async () => {
  let reply = 'AA';
  const hub = await startHub({ answer: () => reply });
  const peer = await startPeer({ hubPort: hub.port });
  try {
    for (const code of ['AE', 'AR', 'CA', 'CE', 'CR']) {
      reply = code;
      const { body } = await peer.control('POST', '/_peer/send', { type: 'ADT^A08' });
      assert.strictEqual(body.ack_code, code);
      assert.strictEqual(body.msa2_matches, true);
    }
    reply = { code: 'AE', err: 'ERR||PID^1^3|101^Required field missing^HL70357|E||||PID-3 has no MR identifier' };
    let { body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S12' });
    assert.strictEqual(body.ack_code, 'AE');
    assert.deepStrictEqual(body.err, [{
      location: 'PID^1^3', code: '101', text: 'Required field missing', severity: 'E', diagnostic: '', message: 'PID-3 has no MR identifier',
    }]);
    reply = { code: 'AA', msa2: 'SOMETHING-ELSE' };
    ({ body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S12' }));
    assert.strictEqual(body.ack_code, 'AA');
    assert.strictEqual(body.msa2, 'SOMETHING-ELSE');
    assert.strictEqual(body.msa2_matches, false);
    assert.match(body.problems.join('\n'), /MSA-2 "SOMETHING-ELSE" is not the MSH-10 sent/);
    const effects = await peer.control('GET', '/_peer/effects');
    assert.deepStrictEqual(effects.body.acks, { AE: 2, AR: 1, CA: 1, CE: 1, CR: 1, AA: 1 });
  } finally {
    await peer.close();
    await hub.stop();
  }
});

test('no ACK in time is a timeout; a hub that closes is closed', async () => {
  let reply = 'none';
  const hub = await startHub({ answer: () => reply });
  const peer = await startPeer({ hubPort: hub.port, ackTimeoutMs: 200 });
  try {
    let { body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S15' });
    assert.strictEqual(body.outcome, 'timeout');
    assert.strictEqual(body.ack_code, null);
    assert.strictEqual(hub.received.length, 1);
    reply = 'close';
    ({ body } = await peer.control('POST', '/_peer/send', { type: 'SIU^S15', ack_timeout_ms: 5000 }));
    assert.strictEqual(body.outcome, 'closed');
  } finally {
    await peer.close();
    await hub.stop();
  }
});

test('malformed sends are refused before anything is sent', async () => {
  const hub = await startHub();
  const peer = await startPeer({ hubPort: hub.port });
  try {
    for (const [request, status, pattern] of [
      [{ type: 'SIU^S99' }, 400, /type must be one of/],
      [{ type: 'SIU^S12', colour: 'blue' }, 400, /unknown field\(s\) colour/],
      [{ type: 'SIU^S12', charset: 'KOI8-R' }, 400, /charset must be/],
      [{ type: 'SIU^S12', charset: 'ISO-8859-6', given: 'مهدی' }, 400, /ISO-8859-6 cannot carry "ی"/],
      [{ type: 'SIU^S12', start: 'tomorrow' }, 400, /start: "tomorrow" is not a date-time/],
      [{ type: 'ADT^A40' }, 400, /needs merge_mrn/],
      [{ type: 'ADT^A04', coverage: { payer_id: '1' } }, 400, /coverage needs payer_id and plan_id/],
      [{ type: 'SIU^S12', fault: 'explode' }, 400, /fault kind must be one of/],
      [{ type: 'SIU^S12', fault: { kind: 'fragments', pieces: 1 } }, 400, /pieces must be an integer 2\.\./],
      [{ type: 'SIU^S12', control_id: 'X'.repeat(21) }, 400, /control_id/],
    ]) {
      const answer = await peer.control('POST', '/_peer/send', request);
      assert.strictEqual(answer.status, status, JSON.stringify(request));
      assert.match(answer.body.error, pattern);
    }
    assert.strictEqual(hub.received.length, 0);
  } finally {
    await peer.close();
    await hub.stop();
  }
});

test('without the hub port a send is 409; an unreachable hub is 502; config sets the port', async () => {
  const hub = await startHub();
  const peer = await startPeer();
  try {
    let answer = await peer.control('POST', '/_peer/send', { type: 'SIU^S12' });
    assert.strictEqual(answer.status, 409);
    const closedPort = hub.port;
    await hub.stop();
    answer = await peer.control('POST', '/_peer/send', { type: 'SIU^S12', hub_port: closedPort });
    assert.strictEqual(answer.status, 502);
    assert.match(answer.body.error, /cannot connect to the hub's MLLP listener/);
    const hub2 = await startHub();
    try {
      answer = await peer.control('POST', '/_peer/config', { hub_port: hub2.port });
      assert.strictEqual(answer.status, 200);
      const health = await peer.control('GET', '/_peer/health');
      assert.strictEqual(health.body.hub.port, hub2.port);
      assert.strictEqual(health.body.mllp_port, peer.mllpPort);
      answer = await peer.control('POST', '/_peer/send', { type: 'SIU^S12', control_id: 'FIXED-1' });
      assert.strictEqual(answer.body.ack_code, 'AA');
      assert.strictEqual(answer.body.msh10, 'FIXED-1');
    } finally {
      await hub2.stop();
    }
  } finally {
    await peer.close();
  }
});
