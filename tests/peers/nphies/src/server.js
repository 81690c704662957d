'use strict';
// The NPHIES peer: the exchange over Node's https, which asks every client for
// a certificate and verifies it against the exchange's CA, and a plain HTTP
// control API on a second loopback port for the tests. A request without a
// certificate the CA vouches for (none, expired, another CA's) is answered
// 403 with an OperationOutcome naming the reason, as a TLS-terminating
// gateway does; its body is never read or processed.
//
// Exchange (mutual TLS only):
//   POST <any path ending in>/$process-message   application/fhir+json Bundle
// Control (loopback, no TLS):
//   GET  /_peer/health                        {"status":"ok"}
//   GET  /_peer/received                      every message received, in order
//   GET  /_peer/claims                        claims by business identifier
//   GET  /_peer/queue                         queued answers and their delivery
//   POST /_peer/rules       {"eligibility": "...", "claim": {"outcome": "queue", "queueSeconds": 1, "then": "approve"}}
//   GET  /_peer/faults                        the faults not fired yet
//   POST /_peer/faults      one rule of faults.js
//   POST /_peer/queue/release                 queued answers become available now
//   POST /_peer/clock       {"offsetMs": N}   the Date header the exchange sends is off by N ms
//   POST /_peer/reset                         forget everything (faults, store, records;
//                                             rules back to those of the command line)

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { Exchange } = require('./exchange');
const { Faults } = require('./faults');
const responses = require('./responses');

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

class NphiesPeer {
  constructor(options) {
    this.options = options;
    this.clockOffsetMs = 0;
    this.exchange = new Exchange({
      providers: options.providers,
      payers: options.payers,
      serviceSystems: options.serviceSystems,
      validateR4: options.validateR4,
      rules: options.rules,
    });
    this.faults = new Faults();
    this.sockets = new Set();
    this.hanging = new Set();
  }

  async listen() {
    const tls = {
      key: fs.readFileSync(this.options.keyFile),
      cert: fs.readFileSync(this.options.certFile),
      ca: fs.readFileSync(this.options.caFile),
      requestCert: true,
      // Verified per request below, so the refusal can say why.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    };
    this.server = https.createServer(tls, (req, res) => this.onExchange(req, res));
    this.server.on('connection', (s) => this.track(s));
    this.server.on('tlsClientError', (err, socket) => {
      this.exchange.record({ event: null, outcome: 'tls-refused', reason: err.code || err.message });
      socket.destroy();
    });
    this.control = http.createServer((req, res) => this.onControl(req, res));
    this.control.on('connection', (s) => this.track(s));
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, resolve);
    });
    await new Promise((resolve, reject) => {
      this.control.once('error', reject);
      this.control.listen(this.options.controlPort, this.options.host, resolve);
    });
    return { port: this.server.address().port, controlPort: this.control.address().port };
  }

  track(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  async close() {
    for (const s of this.sockets) s.destroy();
    await Promise.all([this.server, this.control].filter(Boolean).map((srv) => new Promise((r) => srv.close(() => r()))));
  }

  now() { return Date.now() + this.clockOffsetMs; }

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

  async onExchange(req, res) {
    const client = req.socket.getPeerCertificate ? req.socket.getPeerCertificate() : null;
    const context = { client: client && client.subject ? client.subject.CN : undefined };
    if (!req.socket.authorized) {
      const reason = req.socket.authorizationError || 'no client certificate';
      const text = client && client.subject
        ? `the client certificate is not accepted by the exchange (${reason})`
        : 'a client certificate issued by the exchange\'s CA is required';
      this.exchange.record({ event: null, outcome: 'tls-refused', reason: String(reason), client: context.client });
      this.send(res, 403, responses.operationOutcome([{ severity: 'error', code: 'security', details: { text } }]), { Connection: 'close' });
      req.resume();
      return;
    }
    if (req.method !== 'POST' || !req.url.split('?')[0].endsWith('/$process-message')) {
      this.send(res, 404, responses.operationOutcome([{ severity: 'error', code: 'not-found', details: { text: 'the exchange serves POST {base}/$process-message only' } }]));
      return;
    }
    const type = (req.headers['content-type'] || '').split(';')[0].trim();
    if (type !== 'application/fhir+json' && type !== 'application/json') {
      this.send(res, 415, responses.operationOutcome([{ severity: 'error', code: 'not-supported', details: { text: 'Content-Type must be application/fhir+json' } }]));
      return;
    }
    let text;
    try {
      text = await readBody(req, MAX_BODY);
    } catch (err) {
      this.send(res, err.status || 400, responses.operationOutcome([{ severity: 'error', code: 'too-costly', details: { text: err.message } }]));
      return;
    }
    let bundle;
    try {
      bundle = JSON.parse(text);
    } catch {
      this.exchange.record({ event: null, outcome: 'rejected', reason: 'not JSON', client: context.client });
      this.send(res, 400, responses.operationOutcome([{ severity: 'error', code: 'structure', details: { text: 'the body is not JSON' } }]));
      return;
    }
    const event = bundle && Array.isArray(bundle.entry) && bundle.entry[0] && bundle.entry[0].resource &&
      bundle.entry[0].resource.eventCoding ? bundle.entry[0].resource.eventCoding.code : undefined;
    const fault = this.faults.take(event);
    if (fault && fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && fault.status) {
      this.exchange.record({ event, bundleId: bundle.id, outcome: `fault ${fault.status}`, client: context.client });
      const headers = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
      this.send(res, fault.status, responses.operationOutcome([{ severity: 'error', code: fault.status === 429 ? 'throttled' : 'transient', details: { text: fault.status === 429 ? 'too many requests' : 'the exchange failed; resend later' } }]), headers);
      return;
    }
    if (fault && fault.hang) {
      this.exchange.record({ event, bundleId: bundle.id, outcome: 'fault hang', client: context.client });
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    const answer = this.exchange.process(bundle, context);
    if (fault && fault.drop) {
      this.exchange.record({ event, bundleId: bundle.id, outcome: 'fault drop (answer stored, connection cut)', client: context.client });
      req.socket.destroy();
      return;
    }
    if (fault && fault.holdAnswerMs) {
      this.exchange.record({ event, bundleId: bundle.id, outcome: `fault hold (answer stored, sent after ${fault.holdAnswerMs} ms)`, client: context.client });
      const timer = setTimeout(() => {
        if (!res.destroyed && !res.writableEnded) this.send(res, answer.status, answer.body);
      }, fault.holdAnswerMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    this.send(res, answer.status, answer.body);
  }

  async onControl(req, res) {
    const reply = (status, body) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    let body = {};
    if (req.method === 'POST') {
      try {
        const text = await readBody(req, 1 << 20);
        body = text ? JSON.parse(text) : {};
      } catch (err) {
        reply(400, { error: `the body is not JSON: ${err.message}` });
        return;
      }
    }
    const route = `${req.method} ${req.url.split('?')[0]}`;
    const ex = this.exchange;
    switch (route) {
      case 'GET /_peer/health': return reply(200, { status: 'ok' });
      case 'GET /_peer/received': return reply(200, { items: ex.received });
      case 'GET /_peer/claims': return reply(200, { items: ex.claimSummaries() });
      case 'GET /_peer/queue': return reply(200, { items: ex.queueSummary() });
      case 'POST /_peer/rules': {
        const problems = ex.setRules(body);
        return problems.length ? reply(400, { error: problems.join('; ') }) : reply(200, { rules: ex.rules });
      }
      case 'GET /_peer/faults': return reply(200, { faults: this.faults.describe() });
      case 'POST /_peer/faults': {
        const problem = this.faults.add(body);
        return problem ? reply(400, { error: problem }) : reply(200, { faults: this.faults.describe() });
      }
      case 'POST /_peer/queue/release': return reply(200, { available: ex.releaseQueue() });
      case 'POST /_peer/clock': {
        const offset = Number(body.offsetMs);
        if (!Number.isSafeInteger(offset)) return reply(400, { error: 'offsetMs must be an integer' });
        this.clockOffsetMs = offset;
        return reply(200, { offsetMs: offset });
      }
      case 'POST /_peer/reset':
        ex.reset();
        this.faults.reset();
        this.clockOffsetMs = 0;
        for (const h of this.hanging) h.destroy();
        return reply(200, { reset: true });
      default: return reply(404, { error: `no control route ${route}` });
    }
  }
}

module.exports = { NphiesPeer };
