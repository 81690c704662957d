'use strict';
// For the peer's tests: the peer in this process, a stand-in for the hub's
// MLLP listener built on @medplum/hl7's Hl7Server, and a client that sends
// the peer an MDM the way the hub would (Hl7Client).

const iconv = require('iconv-lite');
const { Hl7Server, Hl7Client } = require('@medplum/hl7');
const { Hl7Message } = require('@medplum/core');
const { poll } = require('../../support');
const { Hl7v2Peer } = require('../src/hl7v2_peer');

async function startPeer(options = {}) {
  const peer = new Hl7v2Peer(options);
  await peer.listen({ host: '127.0.0.1', port: 0, controlPort: 0 });
  const origin = `http://127.0.0.1:${peer.controlPort}`;
  return {
    peer,
    mllpPort: peer.port,
    // A control call: {status, body}.
    async control(method, path, body) {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    close: () => peer.close(),
  };
}

// The hub's MLLP listener as the tests need it: an Hl7Server in `encoding`
// that keeps every message (parsed, and the bytes that came, unframed)
// with the TCP reads of its connection, and answers what `answer(message)`
// returns: an ACK code (AA unless given), {code, err, text, msa2} or 'none'
// (keep the connection, answer nothing) or 'close'.
async function startHub({ encoding = 'utf-8', answer = () => 'AA' } = {}) {
  const received = [];
  const connections = [];
  const server = new Hl7Server((connection) => {
    const conn = { reads: [], closed: false };
    connections.push(conn);
    // Before the connection's own reader, which parses (and dispatches the
    // message) as the last chunk of a message comes.
    connection.socket.prependListener('data', (chunk) => conn.reads.push({ at: Date.now(), bytes: chunk.length, chunk }));
    connection.socket.on('close', () => { conn.closed = true; });
    connection.addEventListener('message', (event) => {
      const { message } = event;
      const raw = Buffer.concat(conn.reads.map((r) => r.chunk));
      received.push({ message, connection: connections.indexOf(conn), raw: unframeLast(raw) });
      let reply = answer(message);
      if (reply === 'none') return;
      if (reply === 'close') {
        connection.socket.destroy();
        return;
      }
      if (typeof reply === 'string') reply = { code: reply };
      const ack = message.buildAck({ ackCode: reply.code });
      const msa = ack.getSegment('MSA');
      if (reply.msa2 !== undefined) msa.setField(2, reply.msa2);
      if (reply.text !== undefined) msa.setField(3, reply.text);
      if (reply.err) ack.segments.push(...Hl7Message.parse(`MSH|^~\\&\r${reply.err}`).segments.slice(1));
      connection.send(ack);
    });
  });
  server.start(0, encoding);
  await poll(() => server.server.listening, 5000);
  return {
    port: server.server.address().port,
    received,
    connections,
    stop: () => server.stop({ forceDrainTimeoutMs: 0 }),
  };
}

// The last MLLP frame's content in `raw` (the bytes between VT and FS CR).
function unframeLast(raw) {
  const end = raw.lastIndexOf(0x1c);
  const start = raw.lastIndexOf(0x0b, end);
  return raw.subarray(start + 1, end);
}

// Sends `text` to the peer's MLLP port in `encoding` as the hub would.
// Resolves {ack} (an Hl7Message) or {closed: true} when the peer closed the
// connection instead of answering.
async function sendToPeer(port, text, encoding = 'utf-8') {
  const client = new Hl7Client({ host: '127.0.0.1', port, encoding });
  client.addEventListener('error', () => {});
  const connection = await client.connect();
  try {
    const closed = new Promise((resolve) => connection.addEventListener('close', () => resolve({ closed: true })));
    const acked = connection.sendAndWait(Hl7Message.parse(text)).then((ack) => ({ ack }), () => ({ closed: true }));
    return await Promise.race([acked, closed]);
  } finally {
    await client.close();
  }
}

// An MDM^T02 as the hub sends one (v2.5.1), with `over` replacing fields:
// {msh10, charset (MSH-18), family, given, number (TXA-12), segments (the
// segment list to send instead, for broken ones)}.
function mdm(over = {}) {
  const o = {
    msh10: 'MDM0001', event: 'T02', structure: 'MDM_T02', charset: 'UNICODE UTF-8',
    family: 'الحربي', given: 'سارة', number: 'DOC-0001', status: 'AU', ...over,
  };
  const pdf = Buffer.from('%PDF-1.4 consultation note').toString('base64');
  const segments = o.segments || [
    `MSH|^~\\&|WASL|WASL_HUB|WASL_HIS|SANDBOX_HOSPITAL|20250301101500+0300||MDM^${o.event}^${o.structure}|${o.msh10}|P|2.5.1|||||SAU|${o.charset}`,
    'EVN|T02|20250301101500+0300',
    `PID|1||MRN-0001^^^WASLHIS^MR~1010101010^^^SAU^NI||${o.family}^${o.given}^^^^^L||19850412|F`,
    'PV1|1|O|TELE^^^WASL-CLINIC||||DR-0007^الزهراني^فاطمة^^^^^^SCFHS||||||||||||V-77',
    `TXA|1|CN^Consultation note|TX|20250301101000+0300||||||||${o.number}||||note.pdf|${o.status}`,
    'OBX|1|TX|NOTE^Note^L||المريضة بحالة جيدة~Follow up in 2 weeks||||||F',
    `OBX|2|ED|PDF^Report^L||^AP^PDF^Base64^${pdf}||||||F`,
    'OBX|3|NM|8867-4^Heart rate^LN||72|/min|||||F',
  ];
  return segments.join('\r');
}

// An ORU^R01 of one vital sign as the hub sends one (v2.5.1), with `over`
// replacing parts: {msh10, event, charset, filler (OBR-3), code (OBR-4),
// observations: the OBX segments, segments: the whole list instead}.
// By default a blood pressure panel, 128/82 mm[Hg].
function oru(over = {}) {
  const o = {
    msh10: 'ORU0001', event: 'R01', charset: 'UNICODE UTF-8', filler: 'OBS-0001',
    code: '85354-9^Blood pressure panel with all children optional^LN', ...over,
  };
  const observations = o.observations || [
    'OBX|1|NM|8480-6^Systolic blood pressure^LN||128|mm[Hg]^mm[Hg]^UCUM|||||F|||20250301100500+0300||DR-0007',
    'OBX|2|NM|8462-4^Diastolic blood pressure^LN||82|mm[Hg]^mm[Hg]^UCUM|||||F|||20250301100500+0300||DR-0007',
  ];
  const segments = o.segments || [
    `MSH|^~\\&|WASL|WASL_HUB|||20250301101500+0300||ORU^${o.event}^ORU_R01|${o.msh10}|P|2.5.1||||||${o.charset}`,
    'PID|1||MRN-0001^^^^MR||الحربي^سارة||19850412|F',
    'PV1|1|O|||||||||||||||||V-77',
    `OBR|1||${o.filler}^WASL|${o.code}|||20250301100500+0300||||||||||||||||||F`,
    ...observations,
  ];
  return segments.join('\r');
}

module.exports = { startPeer, startHub, sendToPeer, mdm, oru, iconv };
