'use strict';
// The NPHIES peer: the exchange over Node's https, which asks every client for
// a certificate and verifies it against the exchange's CA, and a plain HTTP
// control API on a second loopback port for the tests (a PeerServer of the
// support library with controlPort). A request without a
// certificate the CA vouches for (none, expired, another CA's) is answered
// 403 with an OperationOutcome naming the reason, as a TLS-terminating
// gateway does; its body is never read or processed. A connectTimeout fault
// holds a new TCP connection before its TLS handshake (gateConnections()).
//
// Exchange (mutual TLS only):
//   POST <any path ending in>/$process-message   application/fhir+json Bundle
// Control (loopback, no TLS):
//   GET  /_peer/health                        {"status":"ok"}
//   GET  /_peer/received                      every message received, in order
//   GET  /_peer/claims                        claims by business identifier
//   GET  /_peer/queue                         queued answers and their delivery
//   POST /_peer/rules       {"eligibility": "...", "claim": {"outcome": "queue", "queueSeconds": 1, "then": "approve"},
//                            "priorauth": {...} | null}
//   GET  /_peer/effects                       messages received, claims, queued answers
//   GET  /_peer/faults                        the faults not fired yet
//   POST /_peer/faults      a rule of faults.js, an array, or {"faults": [...]};
//                                             a connectTimeout rule also closes idle connections
//   POST /_peer/queue/release                 queued answers become available now
//   POST /_peer/communication-requests {"claim": "<Claim identifier value>" | "nextClaimFrom": "N-F-00001",
//                                       "texts": [...], "attachments": [{"contentType", "title"}], "dueDate"}
//   GET  /_peer/communication-requests        the requests: waiting, queued, answered
//   GET  /_peer/communications                the communications accepted, their attachments' types and sizes
//   POST /_peer/payment-reconciliations {"paymentDate": "2025-02-01", "claims": [{"claim": "<value>",
//                                       "amount": 90, "earlyFee": 1, "nphiesFee": 0.5, "adjustment": -5}]}
//   GET  /_peer/payment-reconciliations       what was paid, and the provider's payment-notice
//   GET  /_peer/payment-notices               the payment-notices accepted
//   GET  /_peer/batches                       the batch-requests taken: their claims and duplicates
//   POST /_peer/orphans     {"count": 120}    claim-responses answering nothing, queued now
//   POST /_peer/error-notices {"about": "<MessageHeader id>", "issues": [{"code", "text"}]}
//   POST /_peer/advanced-authorizations {"patient": {"identifier"}, "memberId": "..."}
//   POST /_peer/clock       {"offsetMs": N}   the Date header the exchange sends is off by N ms
//   POST /_peer/reset                         forget everything (faults, store, records;
//                                             rules back to those of the command line)

const fs = require('node:fs');
const { PeerServer, ControlError, readBody, BodyTooLarge } = require('../../support');
const { Exchange } = require('./exchange');
const { NphiesFaults } = require('./faults');
const responses = require('./responses');

const { MAX_MESSAGE_BYTES } = require('./nphies_terms');

// What the exchange reads of a request: past NPHIES' 10 MB a communication
// is still read, to be refused by its rule (CM-0007); past this, nothing is.
const MAX_BODY = 16 * 1024 * 1024;

function problem(code, text) {
  return responses.operationOutcome([{ severity: 'error', code, details: { text } }]);
}

// The OperationOutcome a fault's status is answered with.
function faultProblem(status) {
  switch (status) {
    case 408: return problem('timeout', 'the exchange timed out reading the request; send it again');
    case 429: return problem('throttled', 'too many requests');
    case 504: return problem('timeout', 'the exchange got no answer from the payer in time; the outcome is unknown');
    default: return problem('transient', 'the exchange failed; resend later');
  }
}

// The control API's answer to a payer rule: its result without `problems`,
// or a 400 naming them.
function answered({ problems, ...result }) {
  if (problems.length) throw new ControlError(400, problems.join('; '));
  return result;
}

// What the record of a message says about the rule that fired for it.
function faultOutcome(rule) {
  if (rule.drop === 'before') return 'fault drop before store (nothing stored, connection cut)';
  if (rule.drop) return 'fault drop (answer stored, connection cut)';
  if (rule.hang) return rule.afterEffect ? 'fault hang (answer stored)' : 'fault hang';
  if (rule.status !== undefined) return rule.afterEffect ? `fault ${rule.status} (answer stored)` : `fault ${rule.status}`;
  return `fault hold (answer stored, sent after ${rule.delayMs} ms)`;
}

class NphiesPeer extends PeerServer {
  constructor(options) {
    super({
      name: 'nphies-peer',
      faults: new NphiesFaults(),
      controlPort: true,
      tls: {
        key: fs.readFileSync(options.keyFile),
        cert: fs.readFileSync(options.certFile),
        ca: fs.readFileSync(options.caFile),
        requestCert: true,
        // Verified per request in handle(), so the refusal can say why.
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
      },
    });
    this.clockOffsetMs = 0;
    this.exchange = new Exchange({
      providers: options.providers,
      payers: options.payers,
      serviceSystems: options.serviceSystems,
      validateR4: options.validateR4,
      rules: options.rules,
    });
    this.server.on('tlsClientError', (err, socket) => {
      this.exchange.record({ event: null, outcome: 'tls-refused', reason: err.code || err.message });
      socket.destroy();
    });
    this.gateConnections();
    const ex = this.exchange;
    this.control
      .route('GET', '/_peer/health', () => ({ status: 'ok' }))
      .route('POST', '/_peer/faults', ({ body }) => {
        const refusal = this.faults.addAll(body);
        if (refusal) throw new ControlError(400, refusal);
        // A fault is for the client's next message on a new connection: one
        // reusing a kept-alive connection would never connect anew, and a
        // client may resend on its own after a dropped reused connection.
        this.server.closeIdleConnections();
        return this.faults.describe();
      })
      .route('GET', '/_peer/received', () => ({ items: ex.received }))
      .route('GET', '/_peer/claims', () => ({ items: ex.claimSummaries() }))
      .route('GET', '/_peer/queue', () => ({ items: ex.queueSummary() }))
      .route('POST', '/_peer/rules', ({ body }) => {
        const problems = ex.setRules(body);
        if (problems.length) throw new ControlError(400, problems.join('; '));
        return { rules: ex.rules };
      })
      .route('POST', '/_peer/queue/release', () => ({ available: ex.releaseQueue() }))
      .route('POST', '/_peer/communication-requests', ({ body }) => answered(ex.communications.add(body)).request)
      .route('GET', '/_peer/communication-requests', () => ({ items: ex.communications.requestSummaries() }))
      .route('GET', '/_peer/communications', () => ({ items: ex.communications.answerSummaries() }))
      .route('POST', '/_peer/payment-reconciliations', ({ body }) => answered(ex.payments.add(body)).reconciliation)
      .route('GET', '/_peer/payment-reconciliations', () => ({ items: ex.payments.reconciliationSummaries() }))
      .route('GET', '/_peer/payment-notices', () => ({ items: ex.payments.noticeSummaries() }))
      .route('GET', '/_peer/batches', () => ({ items: ex.batches.summaries() }))
      .route('POST', '/_peer/orphans', ({ body }) => answered(ex.queueOrphans(body)))
      .route('POST', '/_peer/error-notices', ({ body }) => answered(ex.queueErrorNotice(body)))
      .route('POST', '/_peer/advanced-authorizations', ({ body }) => answered(ex.queueAdvancedAuthorization(body)))
      .route('POST', '/_peer/clock', ({ body }) => {
        const offset = Number(body.offsetMs);
        if (!Number.isSafeInteger(offset)) throw new ControlError(400, 'offsetMs must be an integer');
        this.clockOffsetMs = offset;
        return { offsetMs: offset };
      });
  }

  // Forgets faults, store and records; the rules return to those of the
  // command line.
  reset() {
    super.reset();
    this.exchange.reset();
    this.clockOffsetMs = 0;
  }

  effectsView() {
    return {
      ...super.effectsView(),
      received: this.exchange.received.length,
      claims: this.exchange.claims.size,
      queued: this.exchange.queue.length,
      faultsFired: this.faults.fired,
    };
  }

  now() { return Date.now() + this.clockOffsetMs; }

  // Puts the connectTimeout faults before the TLS handshake: tls.Server
  // starts the handshake of each new TCP connection in its 'connection'
  // listener, so that listener is taken off and called here only for the
  // connections no rule holds.
  gateConnections() {
    const handshake = this.server.listeners('connection');
    this.server.removeAllListeners('connection');
    this.server.on('connection', (socket) => {
      const rule = this.faults.takeConnectTimeout();
      if (rule) {
        this.exchange.record({ event: null, outcome: `fault connect timeout (handshake held, closed after ${rule.closeAfterMs} ms)` });
        this.faults.stall(socket, rule.closeAfterMs);
        return;
      }
      for (const listener of handshake) listener.call(this.server, socket);
    });
  }

  send(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/fhir+json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      Date: new Date(this.now()).toUTCString(),
      ...headers,
    });
    res.end(text);
  }

  errorAnswer(res, err) {
    this.send(res, 500, problem('exception', `the exchange failed: ${err && err.message ? err.message : err}`));
  }

  async handle(req, res, url) {
    const client = req.socket.getPeerCertificate ? req.socket.getPeerCertificate() : null;
    const context = { client: client && client.subject ? client.subject.CN : undefined };
    if (!req.socket.authorized) {
      const reason = req.socket.authorizationError || 'no client certificate';
      const text = client && client.subject
        ? `the client certificate is not accepted by the exchange (${reason})`
        : 'a client certificate issued by the exchange\'s CA is required';
      this.exchange.record({ event: null, outcome: 'tls-refused', reason: String(reason), client: context.client });
      this.send(res, 403, problem('security', text), { Connection: 'close' });
      req.resume();
      return;
    }
    if (req.method !== 'POST' || !url.pathname.endsWith('/$process-message')) {
      this.send(res, 404, problem('not-found', 'the exchange serves POST {base}/$process-message only'));
      return;
    }
    const type = (req.headers['content-type'] || '').split(';')[0].trim();
    if (type !== 'application/fhir+json' && type !== 'application/json') {
      this.send(res, 415, problem('not-supported', 'Content-Type must be application/fhir+json'));
      return;
    }
    let text;
    let bytes;
    try {
      const raw = await readBody(req, MAX_BODY);
      bytes = raw.length;
      text = raw.toString('utf8');
    } catch (err) {
      this.send(res, err instanceof BodyTooLarge ? 413 : 400, problem('too-costly', err.message));
      return;
    }
    let bundle;
    try {
      bundle = JSON.parse(text);
    } catch {
      this.exchange.record({ event: null, outcome: 'rejected', reason: 'not JSON', client: context.client });
      this.send(res, 400, problem('structure', 'the body is not JSON'));
      return;
    }
    const event = bundle && Array.isArray(bundle.entry) && bundle.entry[0] && bundle.entry[0].resource &&
      bundle.entry[0].resource.eventCoding ? bundle.entry[0].resource.eventCoding.code : undefined;
    if (bytes > MAX_MESSAGE_BYTES && event !== 'communication') {
      this.exchange.record({ event: event || null, bundleId: bundle && bundle.id, outcome: 'rejected', reason: 'larger than 10 MB', bytes, client: context.client });
      this.send(res, 413, problem('too-costly', `the message is ${bytes} bytes; NPHIES takes messages up to ${MAX_MESSAGE_BYTES} bytes (10 MB)`));
      return;
    }
    context.bytes = bytes;
    await this.faults.perform(event, res, {
      effect: () => this.exchange.process(bundle, context),
      answer: (answer) => this.send(res, answer.status, answer.body),
      fired: (rule) => this.exchange.record({ event, bundleId: bundle.id, outcome: faultOutcome(rule), client: context.client }),
      fail: (rule) => this.send(res, rule.status, faultProblem(rule.status), {
        ...(rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) }),
        ...(rule.status === 408 ? { Connection: 'close' } : {}),
      }),
    });
  }
}

module.exports = { NphiesPeer };
