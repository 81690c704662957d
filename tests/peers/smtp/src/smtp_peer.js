'use strict';
// SmtpPeer: an SMTP submission server (npm smtp-server) for Wasl's tests and
// sandbox, with its /_peer/ control API on a plain-HTTP listener of its own
// (PeerServer with controlPort; the SMTP port speaks SMTP only).
//
// The conversation it demands: STARTTLS before anything else (AUTH before
// it answers 538, MAIL 530), then AUTH PLAIN or LOGIN with the configured
// username and password (535 otherwise), then one message per MAIL
// transaction, which mailparser parses and message_checks.js checks; a
// message with a problem is refused with 554 5.6.0 and kept apart. Accepted
// messages are kept in memory, decoded, with how they came (TLS, AUTH).
//
// Faults (POST /_peer/faults, the support library's grammar) apply to the
// operations CONNECT (the greeting), AUTH, MAIL, RCPT and DATA (the verdict
// on a message, after its content): {"operation": "RCPT", "status": 550},
// {"operation": "DATA", "count": 2, "status": 451}, {"operation": "MAIL",
// "delayMs": 3000} (slow), {"operation": "DATA", "drop": true} (the message
// is kept, then the connection is closed unanswered: a lost answer),
// {"operation": "MAIL", "drop": "before"}, {"operation": "*", "hang": true}.
// Statuses: 421 (then the connection closes), 450, 451, 452, 454, 535, 550,
// 552, 553, 554. "afterEffect" on DATA keeps the message and answers the error.

const { SMTPServer } = require('smtp-server');
const { simpleParser } = require('mailparser');
const { PeerServer, Faults, ControlError, delay } = require('../../support');
const { checkMessage, addressesOf } = require('./message_checks');

const OPERATIONS = ['CONNECT', 'AUTH', 'MAIL', 'RCPT', 'DATA'];
const STATUSES = [421, 450, 451, 452, 454, 535, 550, 552, 553, 554];
const STATUS_TEXT = {
  421: 'Service not available, closing transmission channel',
  450: 'Mailbox unavailable, try again later',
  451: 'Local error in processing, try again later',
  452: 'Insufficient system storage, try again later',
  454: 'Temporary authentication failure',
  535: 'Authentication credentials invalid',
  550: 'Mailbox unavailable',
  552: 'Exceeded storage allocation',
  553: 'Mailbox name not allowed',
  554: 'Transaction failed',
};
const MAX_KEPT = 10000;

function smtpError(status, message) {
  const err = new Error(message || `Error: ${STATUS_TEXT[status]}`);
  err.responseCode = status;
  return err;
}

// One line of at most 300 characters, for a reply's text.
function oneLine(text) {
  return String(text).replace(/[\r\n]+/g, ' ').slice(0, 300);
}

class SmtpPeer extends PeerServer {
  // options: key, cert (PEM: the STARTTLS certificate); username, password;
  // offerStarttls (false: STARTTLS is not offered, so a client that demands
  // it must give up); maxMessageBytes.
  constructor({ key, cert, username, password, offerStarttls = true, maxMessageBytes = 10 << 20 }) {
    super({
      name: 'smtp-peer',
      controlPort: true,
      faults: new Faults({ statuses: STATUSES, retryAfterStatuses: [], operations: OPERATIONS }),
    });
    this.credentials = { username, password };
    this.messages = [];
    this.rejected = [];
    this.seq = 0;
    this.held = new Set();  // sockets of calls a hang rule holds
    this.smtp = new SMTPServer({
      name: 'smtp-peer.wasl.test',
      banner: 'Wasl SMTP peer',
      key,
      cert,
      hideSTARTTLS: !offerStarttls,
      // Without STARTTLS on offer nothing is allowed, not even AUTH in clear.
      allowInsecureAuth: false,
      authOptional: false,
      authMethods: ['PLAIN', 'LOGIN'],
      size: maxMessageBytes,
      logger: false,
      closeTimeout: 1000,
      onConnect: (session, cb) => this.onConnect(session, cb),
      onSecure: (socket, session, cb) => this.onSecure(socket, session, cb),
      onAuth: (auth, session, cb) => this.onAuth(auth, session, cb),
      onMailFrom: (address, session, cb) => this.onMailFrom(address, session, cb),
      onRcptTo: (address, session, cb) => this.onRcptTo(address, session, cb),
      onData: (stream, session, cb) => this.onData(stream, session, cb),
    });
    this.smtp.on('error', (err) => {
      process.stderr.write(`smtp-peer: ${err && err.message ? err.message : err}\n`);
    });

    this.control
      .route('GET', '/_peer/messages', ({ query }) => ({ messages: this.select(this.messages, query) }))
      .route('DELETE', '/_peer/messages', () => {
        const deleted = this.messages.length;
        this.messages = [];
        this.rejected = [];
        return { deleted };
      })
      .route('GET', '/_peer/rejected', () => ({ messages: this.rejected }))
      .route('POST', '/_peer/config', ({ body }) => {
        for (const key of ['username', 'password']) {
          if (body[key] === undefined) continue;
          if (typeof body[key] !== 'string' || body[key] === '') throw new ControlError(400, `${key} must be a non-empty string`);
          this.credentials[key] = body[key];
        }
        return { username: this.credentials.username };
      });
  }

  // ?messageId=<…> or ?to=<address> narrows the list.
  select(list, query) {
    const messageId = query.get('messageId');
    const to = query.get('to');
    return list.filter((m) => (!messageId || m.messageId === messageId)
      && (!to || m.envelope.rcptTo.includes(to)));
  }

  effectsView() {
    return { ...super.effectsView(), messages: this.messages.length, rejected: this.rejected.length };
  }

  reset() {
    super.reset();
    this.releaseHeld();
    this.messages = [];
    this.rejected = [];
  }

  // Runs one operation under the fault rule that fires for it, if any.
  // `proceed(callback)` does the operation's own work and answers through
  // the callback; `keep()` (DATA only) keeps the message, the effect a
  // lost answer still has.
  async underFaults(operation, session, callback, proceed, keep = () => {}) {
    const rule = this.faults.take(operation);
    if (!rule) return proceed(callback);
    this.effects.count(['faults', operation]);
    await delay(rule.delayMs);
    if (rule.afterEffect && (rule.status !== undefined || rule.drop || rule.hang)) keep();
    if (rule.drop) return this.dropConnection(session);
    if (rule.hang) return this.hold(session);
    if (rule.status !== undefined) return callback(smtpError(rule.status));
    return proceed(callback);
  }

  connectionOf(session) {
    for (const connection of this.smtp.connections) {
      if (connection.id === session.id) return connection;
    }
    return null;
  }

  // Closes the session's connection with no answer. smtp-server keeps the
  // socket in a private field; a peer may reach for it.
  dropConnection(session) {
    this.effects.count('dropped');
    const connection = this.connectionOf(session);
    if (connection && connection._socket) connection._socket.destroy();
  }

  hold(session) {
    const connection = this.connectionOf(session);
    if (!connection || !connection._socket) return;
    const socket = connection._socket;
    this.held.add(socket);
    this.faults.held.add(socket);
    socket.once('close', () => {
      this.held.delete(socket);
      this.faults.held.delete(socket);
    });
  }

  releaseHeld() {
    for (const socket of [...this.held]) socket.destroy();
    this.held.clear();
  }

  onConnect(session, callback) {
    this.effects.count('connections');
    this.underFaults('CONNECT', session, callback, (cb) => cb());
  }

  onSecure(socket, session, callback) {
    this.effects.count('starttls');
    callback();
  }

  onAuth(auth, session, callback) {
    this.effects.count('authAttempts');
    // smtp-server refuses AUTH before STARTTLS only while it offers
    // STARTTLS; without it on offer (--offer-starttls false) the peer still
    // takes no credentials in clear.
    if (!session.secure) {
      this.effects.count('authInClear');
      callback(smtpError(538, 'Error: Must issue a STARTTLS command first'));
      return;
    }
    this.underFaults('AUTH', session, callback, (cb) => {
      const ok = auth.username === this.credentials.username
        && typeof auth.password === 'string' && auth.password === this.credentials.password;
      if (!ok) {
        this.effects.count('authRefused');
        return cb(smtpError(535, 'Error: Authentication credentials invalid'));
      }
      this.effects.count(['authAccepted', auth.method]);
      return cb(null, { user: { username: auth.username, method: auth.method } });
    });
  }

  onMailFrom(address, session, callback) {
    this.effects.count('mailFrom');
    this.underFaults('MAIL', session, callback, (cb) => {
      // smtp-server asks for AUTH before MAIL, and AUTH for TLS first; this
      // says the same of TLS in its own words should either change.
      if (!session.secure) return cb(smtpError(530, 'Error: Must issue a STARTTLS command first'));
      return cb();
    });
  }

  onRcptTo(address, session, callback) {
    this.effects.count('rcptTo');
    this.underFaults('RCPT', session, callback, (cb) => cb());
  }

  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('error', (err) => callback(err));
    stream.on('end', () => {
      if (stream.sizeExceeded) {
        callback(smtpError(552, 'Error: message exceeds the fixed maximum message size'));
        return;
      }
      const raw = Buffer.concat(chunks);
      this.examine(raw, session).then((examined) => {
        const keep = () => this.keep(examined);
        this.underFaults('DATA', session, callback, (cb) => {
          keep();
          if (examined.problems.length > 0) {
            return cb(smtpError(554, `5.6.0 Message refused: ${oneLine(examined.problems.join('; '))}`));
          }
          return cb(null, `OK: message queued as ${examined.record.seq}`);
        }, keep);
      }, (err) => callback(smtpError(451, `Error: the message could not be parsed (${oneLine(err.message)})`)));
    });
  }

  // The message as the control API shows it, and what is wrong with it.
  async examine(raw, session) {
    const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
    const envelope = {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
    };
    const { problems, fields } = checkMessage(raw, parsed, envelope);
    const headers = {};
    for (const field of fields) {
      const name = field.name.toLowerCase();
      if (headers[name] === undefined) headers[name] = field.value;
    }
    const from = addressesOf(parsed.from);
    const record = {
      seq: 0,
      receivedAt: new Date().toISOString(),
      messageId: parsed.messageId || '',
      subject: parsed.subject === undefined ? '' : parsed.subject,
      text: parsed.text === undefined ? '' : parsed.text,
      date: parsed.date instanceof Date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null,
      from: from[0] || null,
      to: addressesOf(parsed.to),
      language: headers['content-language'] || '',
      contentType: headers['content-type'] || '',
      transferEncoding: (headers['content-transfer-encoding'] || '').toLowerCase(),
      headers,
      envelope,
      tls: session.secure ? { protocol: session.tlsOptions ? session.tlsOptions.version || session.tlsOptions.standardName || '' : '', cipher: session.tlsOptions ? session.tlsOptions.name : '' } : null,
      auth: session.user ? { username: session.user.username, method: session.user.method } : null,
      transmissionType: session.transmissionType,
      size: raw.length,
      raw: raw.toString('latin1'),
      problems,
    };
    return { record, problems };
  }

  keep({ record, problems }) {
    if (record.seq !== 0) return;  // kept already
    record.seq = ++this.seq;
    const list = problems.length > 0 ? this.rejected : this.messages;
    this.effects.count(problems.length > 0 ? 'refused' : 'accepted');
    list.push(record);
    if (list.length > MAX_KEPT) list.shift();
  }

  // Listens for SMTP on host:port and for the control API on
  // host:controlPort; resolves with the SMTP port.
  async listen({ host = '127.0.0.1', port = 0, controlPort = 0 } = {}) {
    await new Promise((resolve, reject) => {
      this.smtp.server.once('error', reject);
      this.smtp.listen(port, host, () => {
        this.smtp.server.off('error', reject);
        resolve();
      });
    });
    try {
      await new Promise((resolve, reject) => {
        this.controlServer.once('error', reject);
        this.controlServer.listen(controlPort, host, () => {
          this.controlServer.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await new Promise((resolve) => this.smtp.close(resolve));
      throw err;
    }
    return this.port;
  }

  get port() {
    const address = this.smtp.server.address();
    return address ? address.port : 0;
  }

  // Closes every SMTP connection at once, then both listeners.
  async close() {
    this.releaseHeld();
    for (const connection of this.smtp.connections) {
      if (connection._socket) connection._socket.destroy();
    }
    const closing = [];
    if (this.smtp.server.listening) closing.push(new Promise((resolve) => this.smtp.close(resolve)));
    if (this.controlServer.listening) {
      this.controlServer.closeAllConnections();
      closing.push(new Promise((resolve) => this.controlServer.close(() => resolve())));
    }
    await Promise.all(closing);
  }
}

module.exports = { SmtpPeer, OPERATIONS, STATUSES };
