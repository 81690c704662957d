'use strict';
// Hl7v2Peer: a hospital information system as the hub meets it over HL7 v2.
// Its main listener is MLLP (a net.Server whose connections are
// @medplum/hl7 Hl7Connections), where it receives the hub's MDM documents
// and ORU^R01 vital signs, checks them (mdm_check.js, oru_check.js), keeps
// the valid ones and answers AA, or AE/AR with ERR segments. Its control API (the support library's, JSON over HTTP
// on a listener of its own) sends SIU and ADT messages to the hub's MLLP
// listener (templates.js, hub_sender.js) and shows what came in. See
// ../README.md.
//
// Not thread-safe in any sense beyond Node's single event loop; sends run
// concurrently, each on its own connection.

const net = require('node:net');
const iconv = require('iconv-lite');
const { Hl7Connection } = require('@medplum/hl7');
const { Hl7Message, Hl7Segment } = require('@medplum/core');
const { PeerServer, Faults, ControlError, checkCount } = require('../../support');
const { CHARSETS, charsetNamed, charsetOfMsh18 } = require('./charsets');
const { buildMessage, TemplateError, TYPES } = require('./templates');
const { HubSender, HubUnreachable, frame } = require('./hub_sender');
const { parseSendFault, SendFaultError } = require('./send_fault');
const { checkMdm } = require('./mdm_check');
const { checkOru } = require('./oru_check');
const { escapeValue } = require('./hl7_text');

// HL7 table 0357, the ERR-3 texts.
const ERROR_TEXT = {
  100: 'Segment sequence error',
  101: 'Required field missing',
  102: 'Data type error',
  103: 'Table value not found',
  200: 'Unsupported message type',
  201: 'Unsupported event code',
  203: 'Unsupported version id',
  205: 'Duplicate key identifier',
  207: 'Application internal error',
};
// Errors answered AR (the message could never be taken) rather than AE.
const REJECT_CODES = [200, 201, 203];

const ACK_FAULTS = ['AE', 'AR', 'close'];

// The peer's fault rules are about its answers to the hub's messages:
// {"ack": "AE" | "AR" | "close", "count": 1, "keep": false}. The call rules
// of the support library have no call to apply to here, so they are refused.
class AckFaults extends Faults {
  constructor() {
    super();
    this.defineRules('ackFaults', {
      recognise: (rule) => rule.ack !== undefined,
      parse: (rule) => {
        const unknown = Object.keys(rule).filter((k) => !['ack', 'count', 'keep'].includes(k));
        if (unknown.length) return `an ack rule takes ack, count and keep, not ${unknown.join(', ')}`;
        if (!ACK_FAULTS.includes(rule.ack)) return `ack must be ${ACK_FAULTS.join(', ')}`;
        const count = checkCount(rule.count);
        if (count === null) return 'count must be an integer 1..10000';
        if (rule.keep !== undefined && typeof rule.keep !== 'boolean') return 'keep must be true or false';
        if (rule.keep && rule.ack !== 'close') return 'keep goes with "close" only (an AE or AR keeps nothing)';
        return { ack: rule.ack, remaining: count, keep: Boolean(rule.keep) };
      },
    });
  }

  add(rule) {
    if (rule && typeof rule === 'object' && !Array.isArray(rule) && rule.ack === undefined) {
      return 'a rule of the HL7 v2 peer is {"ack": "AE" | "AR" | "close", "count": n, "keep": true|false}';
    }
    return super.add(rule);
  }
}

class Hl7v2Peer extends PeerServer {
  // hubHost, hubPort: the hub's MLLP listener (port 0: not known yet, set
  // with POST /_peer/config or per send); ackTimeoutMs: how long a send
  // waits for each ACK; the MSH-3..6 names of the messages it sends.
  constructor({
    hubHost = '127.0.0.1', hubPort = 0, ackTimeoutMs = 10000,
    sendingApplication = 'WASL_HIS', sendingFacility = 'SANDBOX_HOSPITAL',
    receivingApplication = 'WASL', receivingFacility = 'WASL_HUB',
  } = {}) {
    super({ name: 'hl7v2-peer', faults: new AckFaults(), controlPort: true });
    // The main listener is MLLP, not HTTP: PeerServer listens on it and
    // reports its port; the control API has the second listener.
    this.server = net.createServer((socket) => this.accept(socket));
    this.sockets = new Set();
    this.hub = { host: hubHost, port: hubPort };
    this.ackTimeoutMs = ackTimeoutMs;
    this.names = { sendingApplication, sendingFacility, receivingApplication, receivingFacility };
    this.sender = new HubSender();
    this.controlIds = 0;
    this.acks = 0;
    this.resetDocuments();
    this.control
      .route('POST', '/_peer/send', ({ body }) => this.send(body))
      .route('GET', '/_peer/received', () => ({ messages: this.documents }))
      .route('GET', '/_peer/sent', () => ({ sends: this.effects.records('sent').map((r) => r.item) }))
      .route('GET', '/_peer/health', () => this.health())
      .route('POST', '/_peer/config', ({ body }) => this.configure(body));
  }

  resetDocuments() {
    this.documents = [];                 // the kept MDMs and ORUs, oldest first
    this.byControlId = new Map();        // MSH-10 → kept record
    this.documentNumbers = new Map();    // TXA-12 → MSH-10 of the message that carried it
    this.fillerNumbers = new Map();      // OBR-3 → MSH-10 of the message that carried it
  }

  reset() {
    super.reset();
    this.resetDocuments();
  }

  controlError(err) {
    if (err instanceof TemplateError || err instanceof SendFaultError) return new ControlError(400, err.message);
    if (err instanceof HubUnreachable) return new ControlError(502, err.message);
    return null;
  }

  health() {
    return {
      ok: true,
      mllp_port: this.port,
      control_port: this.controlPort,
      hub: { ...this.hub },
      types: TYPES,
      charsets: CHARSETS.map((c) => c.name),
      kept: this.documents.length,
    };
  }

  configure(body) {
    if (body.hub_host !== undefined) {
      if (typeof body.hub_host !== 'string' || !body.hub_host) throw new ControlError(400, 'hub_host must be a host name');
      this.hub.host = body.hub_host;
    }
    if (body.hub_port !== undefined) {
      if (!Number.isInteger(body.hub_port) || body.hub_port < 1 || body.hub_port > 65535) throw new ControlError(400, 'hub_port must be 1..65535');
      this.hub.port = body.hub_port;
    }
    if (body.ack_timeout_ms !== undefined) {
      if (!Number.isInteger(body.ack_timeout_ms) || body.ack_timeout_ms < 1) throw new ControlError(400, 'ack_timeout_ms must be a positive integer');
      this.ackTimeoutMs = body.ack_timeout_ms;
    }
    return { hub: { ...this.hub }, ack_timeout_ms: this.ackTimeoutMs };
  }

  // A fresh MSH-10 (at most 20 characters, as ST allows).
  nextControlId() {
    this.controlIds += 1;
    return `H${Date.now().toString(36).toUpperCase()}${String(this.controlIds).padStart(5, '0')}`;
  }

  // POST /_peer/send: {type, charset, fault, control_id, ack_timeout_ms,
  // hub_host, hub_port, fields: {...}} with fields also at the top level.
  async send(body) {
    const {
      type, charset: charsetName, fault: faultInput, control_id: controlId, ack_timeout_ms: ackTimeoutMs,
      hub_host: hubHost, hub_port: hubPort, fields = {}, ...rest
    } = body;
    const charset = charsetNamed(charsetName);
    if (!charset) throw new ControlError(400, `charset must be ${CHARSETS.map((c) => c.name).join(', ')} (or its MSH-18 value), got ${JSON.stringify(charsetName)}`);
    const fault = parseSendFault(faultInput);
    const host = hubHost || this.hub.host;
    const port = hubPort || this.hub.port;
    if (!port) throw new ControlError(409, 'the hub\'s MLLP port is not known: give --hub-port, POST /_peer/config {"hub_port": N} or "hub_port" in the send');
    const timeout = ackTimeoutMs === undefined ? this.ackTimeoutMs : ackTimeoutMs;
    if (!Number.isInteger(timeout) || timeout < 1) throw new ControlError(400, 'ack_timeout_ms must be a positive integer');
    if (controlId !== undefined && (typeof controlId !== 'string' || !controlId || controlId.length > 20)) {
      throw new ControlError(400, 'control_id must be a string of 1..20 characters');
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new ControlError(400, 'fields must be an object');
    const msh10 = controlId || this.nextControlId();
    const built = buildMessage(type, { ...rest, ...fields }, {
      controlId: msh10,
      charset,
      sender: this.names,
      padToBytes: fault.kind === 'oversize' ? fault.bytes : undefined,
    });
    const report = await this.sender.send({ host, port, charset, built, msh10, fault, ackTimeoutMs: timeout });
    const answer = {
      type, ...report, message: built.bytes <= 65536 ? built.text : null,
    };
    this.effects.count(['sends', type]);
    this.effects.count(['outcomes', report.outcome]);
    for (const ack of report.acks) this.effects.count(['acks', ack.ack_code || 'none']);
    this.effects.record('sent', answer);
    return answer;
  }

  accept(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // Read as latin1, a byte per character, so each message can be decoded
    // again in the charset its own MSH-18 names.
    const connection = new Hl7Connection(socket, 'latin1');
    connection.addEventListener('message', (event) => this.receive(connection, event.message));
    connection.addEventListener('error', () => this.effects.count('mllpErrors'));
  }

  // One message from the hub: decoded, checked, kept or refused, answered.
  receive(connection, asBytes) {
    this.effects.count('mllpReceived');
    const bytes = Buffer.from(asBytes.toString(), 'latin1');
    const msh18 = asBytes.getSegment('MSH')?.getField(18)?.toString() || '';
    const charset = charsetOfMsh18(msh18);
    const problems = [];
    if (!charset) problems.push({ code: 103, location: 'MSH^1^18', text: `MSH-18 ${JSON.stringify(msh18)} is not a charset the peer reads (${CHARSETS.map((c) => c.msh18).join(', ')})` });
    const used = charset || CHARSETS[0];
    const text = iconv.decode(bytes, used.encoding);
    if (charset && text.includes('\uFFFD')) problems.push({ code: 102, location: 'MSH^1^18', text: `the message is not valid ${charset.name}` });
    // Each segment ends in CR, the last one too: no empty segment after it.
    const message = Hl7Message.parse(text.replace(/[\r\n]+$/, ''));
    // ORU^R01 (vital signs) by MSH-9.1; everything else is checked as an
    // MDM, which refuses another message type.
    const oru = message.getSegment('MSH')?.getComponent(9, 1) === 'ORU';
    const checked = oru ? checkOru(message) : checkMdm(message);
    const counter = oru ? 'oru' : 'mdm';
    problems.push(...checked.problems);
    const { summary } = checked;
    const delivery = { msh10: summary.msh10, message_type: summary.message_type, charset: used.name, bytes: bytes.length };

    const kept = this.byControlId.get(summary.msh10);
    if (kept && problems.length === 0) {
      // The same message again (a retry): answered as the first time, kept once.
      kept.deliveries += 1;
      this.effects.count(`${counter}Duplicates`);
      this.answer(connection, message, used, 'AA', []);
      this.effects.record('deliveries', { ...delivery, ack_code: 'AA', duplicate: true });
      return;
    }
    if (problems.length === 0) problems.push(...this.reusedKeys(summary));

    const rule = this.faults.takeOwn('ackFaults');
    if (rule) {
      this.effects.count(['ackFaults', rule.ack]);
      if (rule.ack === 'close') {
        if (rule.keep && problems.length === 0) this.keep(summary, text, used, bytes.length);
        this.effects.record('deliveries', { ...delivery, ack_code: null, ack_fault: 'close', kept: rule.keep && problems.length === 0 });
        connection.socket.destroy();
        return;
      }
      const injected = [{ code: 207, location: '', text: `the peer answers ${rule.ack} once, as its ack fault asked` }];
      this.answer(connection, message, used, rule.ack, injected);
      this.effects.record('deliveries', { ...delivery, ack_code: rule.ack, ack_fault: rule.ack });
      return;
    }
    if (problems.length) {
      const code = problems.some((p) => REJECT_CODES.includes(p.code)) ? 'AR' : 'AE';
      this.effects.count(`${counter}Rejected`);
      this.answer(connection, message, used, code, problems);
      this.effects.record('deliveries', { ...delivery, ack_code: code, problems, raw: text });
      return;
    }
    this.keep(summary, text, used, bytes.length);
    this.answer(connection, message, used, 'AA', []);
    this.effects.record('deliveries', { ...delivery, ack_code: 'AA' });
  }

  keep(summary, text, charset, bytes) {
    const record = {
      seq: this.documents.length + 1,
      received_at: new Date().toISOString(),
      msh10: summary.msh10,
      message_type: summary.message_type,
      charset: charset.name,
      bytes,
      deliveries: 1,
      summary,
      raw: text,
    };
    this.documents.push(record);
    this.byControlId.set(summary.msh10, record);
    if (summary.document?.number) this.documentNumbers.set(summary.document.number, summary.msh10);
    for (const result of summary.results || []) this.fillerNumbers.set(result.filler, summary.msh10);
    this.effects.count(summary.results ? 'oruAccepted' : 'mdmAccepted');
  }

  // The 205 problems of a new message (another MSH-10) reusing the TXA-12
  // or an OBR-3 a kept message carried.
  reusedKeys(summary) {
    const problems = [];
    const number = summary.document?.number;
    if (number && this.documentNumbers.has(number)) {
      problems.push({ code: 205, location: 'TXA^1^12', text: `TXA-12 ${number} was already used by message ${this.documentNumbers.get(number)}` });
    }
    (summary.results || []).forEach((result, i) => {
      if (this.fillerNumbers.has(result.filler)) {
        problems.push({ code: 205, location: `OBR^${i + 1}^3`, text: `OBR-3 ${result.filler} was already used by message ${this.fillerNumbers.get(result.filler)}` });
      }
    });
    return problems;
  }

  // Writes the ACK of `message`: MSA-1 `code`, one ERR per problem, MSH-18
  // and the bytes in the message's own charset.
  answer(connection, message, charset, code, problems) {
    const ack = message.buildAck({ ackCode: code });
    this.acks += 1;
    ack.header.setField(10, `ACK${Date.now().toString(36).toUpperCase()}${this.acks}`);
    ack.header.setField(18, charset.msh18);
    for (const p of problems) {
      ack.segments.push(new Hl7Segment([
        'ERR', '', p.location, `${p.code}^${ERROR_TEXT[p.code]}^HL70357`, 'E', '', '', escapeValue(p.text), escapeValue(p.text),
      ], ack.context));
    }
    if (!connection.socket.destroyed) connection.socket.write(frame(iconv.encode(ack.toString(), charset.encoding)));
  }

  // Ends sends in flight, closes every MLLP connection and both listeners.
  async close() {
    this.faults.releaseHeld();
    await this.sender.close();
    for (const socket of this.sockets) socket.destroy();
    const closing = [];
    if (this.server.listening) closing.push(new Promise((resolve) => this.server.close(() => resolve())));
    if (this.controlServer && this.controlServer.listening) {
      this.controlServer.closeAllConnections();
      closing.push(new Promise((resolve) => this.controlServer.close(() => resolve())));
    }
    await Promise.all(closing);
  }
}

module.exports = { Hl7v2Peer, AckFaults };
