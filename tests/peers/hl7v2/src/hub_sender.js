'use strict';
// One send to the hub's MLLP listener: a connection through @medplum/hl7's
// Hl7Client (its Hl7Connection decodes the ACKs in the message's charset),
// the message written as its fault says, and the ACKs that come back read
// and checked (MSA-2 must be the MSH-10 sent). One connection per send
// (two for a duplicate with reconnect), closed when the send ends.

const { Hl7Client } = require('@medplum/hl7');
const iconv = require('iconv-lite');
const { unescapeValue } = require('./hl7_text');

const VT = 0x0b;
const FS = 0x1c;
const CR = 0x0d;
const ACK_CODES = ['AA', 'AE', 'AR', 'CA', 'CE', 'CR'];

class HubUnreachable extends Error {}

// The MLLP frame of `bytes`: VT, the message, FS CR.
function frame(bytes) {
  return Buffer.concat([Buffer.from([VT]), bytes, Buffer.from([FS, CR])]);
}

function pause(ms) {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function write(socket, bytes) {
  return new Promise((resolve, reject) => {
    socket.write(bytes, (err) => (err ? reject(err) : resolve()));
  });
}

// An ERR segment as {location, code, text, severity, diagnostic, message}.
function errOf(segment) {
  const text = (i, c) => unescapeValue(segment.getComponent(i, c));
  return {
    location: segment.getField(2)?.toString() || '',
    code: text(3, 1),
    text: text(3, 2),
    severity: text(4, 1),
    diagnostic: text(7, 1),
    message: text(8, 1),
  };
}

// A received ACK as the send reports it, checked against `msh10`.
function ackOf(message, msh10) {
  const msa = message.getSegment('MSA');
  const ack = {
    ack_code: msa ? msa.getComponent(1, 1) : null,
    msa2: msa ? msa.getComponent(2, 1) : null,
    text: msa ? unescapeValue(msa.getComponent(3, 1)) : '',
    err: message.getAllSegments('ERR').map(errOf),
    ack: message.toString(),
    problems: [],
  };
  if (message.getSegment('MSH')?.getComponent(9, 1) !== 'ACK') ack.problems.push('MSH-9 is not ACK');
  if (!msa) ack.problems.push('no MSA segment');
  else if (!ACK_CODES.includes(ack.ack_code)) ack.problems.push(`MSA-1 ${JSON.stringify(ack.ack_code)} is not an acknowledgment code`);
  if (msa && ack.msa2 !== msh10) ack.problems.push(`MSA-2 ${JSON.stringify(ack.msa2)} is not the MSH-10 sent, ${JSON.stringify(msh10)}`);
  return ack;
}

// Waits on `connection` for `count` messages, the connection's close, or
// `timeoutMs`. Registers at once (call it before writing); `done` resolves
// with {messages, ended: 'count' | 'closed' | 'timeout' | 'cancelled'};
// cancel() ends the wait, as a send does when it stops early.
function ackWaiter(connection, count, timeoutMs) {
  const messages = [];
  let finish;
  const done = new Promise((resolve) => { finish = resolve; });
  let timer = null;
  let over = false;
  const end = (ended) => {
    if (over) return;
    over = true;
    clearTimeout(timer);
    connection.removeEventListener('message', onMessage);
    connection.removeEventListener('close', onClose);
    finish({ messages, ended });
  };
  const onMessage = (event) => {
    messages.push(event.message);
    if (messages.length >= count) end('count');
  };
  const onClose = () => end('closed');
  connection.addEventListener('message', onMessage);
  connection.addEventListener('close', onClose);
  timer = setTimeout(() => end('timeout'), timeoutMs);
  return { done, cancel: () => end('cancelled') };
}

class HubSender {
  // Tracks its clients so close() can end sends in flight.
  constructor() {
    this.clients = new Set();
  }

  async connect(host, port, charset) {
    const client = new Hl7Client({ host, port, encoding: charset.encoding, connectTimeout: 5000 });
    this.clients.add(client);
    // The connection's 'error' events (a reset by the hub, an ACK for
    // another control id) are seen as a close or an unmatched ACK.
    client.addEventListener('error', () => {});
    try {
      const connection = await client.connect();
      connection.socket.setNoDelay(true);
      return { client, connection };
    } catch (err) {
      this.clients.delete(client);
      throw new HubUnreachable(`cannot connect to the hub's MLLP listener ${host}:${port}: ${err.message}`);
    }
  }

  async release(client) {
    this.clients.delete(client);
    await client.close().catch(() => {});
  }

  // Sends `built` (templates.buildMessage's result) to host:port in
  // `charset` under `fault` (send_fault.js). Resolves with the report:
  // {msh10, charset, fault, bytes, writes, outcome, ack_code, ack, msa2,
  // msa2_matches, err, acks, problems}; outcome is 'acked', 'timeout' (no
  // ACK within ackTimeoutMs), 'closed' (the hub closed first), 'dropped'
  // (the peer closed before reading the ACK) or 'abandoned' (a stall that
  // closed mid-message). Rejects with HubUnreachable when it cannot connect.
  async send({ host, port, charset, built, msh10, fault, ackTimeoutMs }) {
    const bytes = iconv.encode(built.text, charset.encoding);
    const framed = frame(bytes);
    const report = {
      msh10, charset: charset.name, fault, bytes: bytes.length, writes: 0, outcome: null,
    };
    const received = [];
    let ended = null;
    const { client, connection } = await this.connect(host, port, charset);
    // Registers for `count` ACKs on `on` (before writing); resolves once
    // they came or the wait ended, keeping what came.
    const waiters = [];
    const expect = (count, on = connection) => {
      const waiter = ackWaiter(on, count, ackTimeoutMs);
      waiters.push(waiter);
      return async () => {
        const result = await waiter.done;
        received.push(...result.messages);
        ended = result.ended;
        return result;
      };
    };
    try {
      const socket = connection.socket;
      try {
        switch (fault.kind) {
          case 'drop': {
            await write(socket, framed);
            report.writes = 1;
            socket.destroy();
            ended = 'dropped';
            break;
          }
          case 'duplicate': {
            if (!fault.wait_ack) {
              const acks = expect(2);
              await write(socket, Buffer.concat([framed, framed]));
              report.writes = 1;
              await acks();
              break;
            }
            const first = expect(1);
            await write(socket, framed);
            report.writes = 1;
            const result = await first();
            if (result.ended !== 'count' && !fault.reconnect) break;
            const second = fault.reconnect ? await this.connect(host, port, charset) : null;
            try {
              const target = second ? second.connection : connection;
              const again = expect(1, target);
              await write(target.socket, framed);
              report.writes = 2;
              await again();
            } finally {
              if (second) await this.release(second.client);
            }
            break;
          }
          case 'fragments': {
            const acks = expect(1);
            const size = Math.ceil(framed.length / fault.pieces);
            for (let offset = 0; offset < framed.length; offset += size) {
              if (offset > 0) await pause(fault.delay_ms);
              await write(socket, framed.subarray(offset, offset + size));
              report.writes++;
            }
            await acks();
            break;
          }
          case 'stall': {
            const acks = expect(1);
            const half = Math.floor(framed.length / 2);
            await write(socket, framed.subarray(0, half));
            report.writes = 1;
            await pause(fault.stall_ms);
            if (fault.then === 'close') {
              socket.destroy();
              ended = 'abandoned';
              break;
            }
            await write(socket, framed.subarray(half));
            report.writes = 2;
            await acks();
            break;
          }
          default: {
            // An ordinary send, and an over-size one (already padded): the
            // message through Hl7Connection.send, which frames it in the
            // connection's encoding.
            const acks = expect(1);
            connection.send(built.message);
            report.writes = 1;
            await acks();
          }
        }
      } catch (err) {
        // A write the hub's close refused (EPIPE, ECONNRESET).
        if (!err || !err.code) throw err;
        report.write_error = err.message;
        ended = 'closed';
      }
    } finally {
      for (const waiter of waiters) waiter.cancel();
      await this.release(client);
    }
    const acks = received.map((m) => ackOf(m, msh10));
    const first = acks[0];
    Object.assign(report, {
      outcome: outcomeOf(ended, acks.length, fault),
      ack_code: first ? first.ack_code : null,
      ack: first ? first.ack : null,
      msa2: first ? first.msa2 : null,
      msa2_matches: first ? first.msa2 === msh10 : null,
      err: first ? first.err : [],
      acks,
      problems: acks.flatMap((a, i) => a.problems.map((p) => (acks.length > 1 ? `ACK ${i + 1}: ${p}` : p))),
    });
    return report;
  }

  // Ends every send in flight (their connections close).
  async close() {
    await Promise.all([...this.clients].map((c) => this.release(c)));
  }
}

function outcomeOf(ended, ackCount, fault) {
  if (ended === 'dropped' || ended === 'abandoned') return ended;
  const wanted = fault.kind === 'duplicate' ? 2 : 1;
  if (ackCount >= wanted) return 'acked';
  return ended === 'closed' ? 'closed' : 'timeout';
}

module.exports = { HubSender, HubUnreachable, frame, ackOf, ACK_CODES };
