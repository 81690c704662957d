'use strict';
// MohPeer: the receiving end of Wasl's MOH reporting proposal on loopback.
//
//   POST /fhir/$process-message  a per-consultation message Bundle
//   POST /fhir/MeasureReport     an aggregate MeasureReport (conditional create)
//
// Every request must carry `Authorization: Bearer <token>` (unless the peer
// runs with a client CA: then the TLS client certificate authenticates).
// Every resource is validated as R4 (r4_validation.js) and against the
// proposal's rules (moh_rules.js); a problem answers 422 with an
// OperationOutcome listing it. A report id seen before answers the stored
// receipt: the same response Bundle (200) or the stored MeasureReport (200).
// The control API under /_peer/ (loopback clients only) lists what was
// received, sets faults and configuration, and resets.

const http = require('node:http');
const https = require('node:https');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { r4Problems } = require('./r4_validation');
const { messageProblems, measureReportProblems, reportIdOf, REPORT_ID_SYSTEM } = require('./moh_rules');
const { Faults } = require('./faults');

const MAX_BODY = 4 << 20;
const FHIR_JSON = 'application/fhir+json';

function outcome(severity, code, diagnostics) {
  return {
    resourceType: 'OperationOutcome',
    issue: diagnostics.map((d) => ({ severity, code, diagnostics: d })),
  };
}

class MohPeer {
  constructor(options = {}) {
    this.host = options.host || '127.0.0.1';
    this.port = options.port || 0;
    this.token = options.token ?? 'moh-sandbox-token';
    this.allowPatientNames = Boolean(options.allowPatientNames);
    this.tls = options.tlsCert && options.tlsKey
      ? { cert: fs.readFileSync(options.tlsCert), key: fs.readFileSync(options.tlsKey),
        ca: options.clientCa ? fs.readFileSync(options.clientCa) : undefined }
      : null;
    this.requireClientCert = Boolean(this.tls && this.tls.ca);
    this.faults = new Faults();
    this.reset();
  }

  reset() {
    this.messages = new Map();        // report id -> {receiptId, response, bundle, receivedAt}
    this.measureReports = new Map();  // report id -> {id, resource, receivedAt}
    this.counts = { requests: 0, accepted: 0, duplicates: 0, rejected: 0, unauthorized: 0, faults: 0 };
    this.faults.reset();
  }

  listen() {
    const handler = (req, res) => this.handle(req, res).catch((err) => {
      this.send(res, 500, outcome('fatal', 'exception', [`peer error: ${err.message}`]));
    });
    this.server = this.tls
      ? https.createServer({ cert: this.tls.cert, key: this.tls.key, ca: this.tls.ca,
        requestCert: this.requireClientCert, rejectUnauthorized: this.requireClientCert }, handler)
      : http.createServer(handler);
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => resolve(this.server.address().port));
    });
  }

  close() {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  send(res, status, body, headers = {}) {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': status < 300 && !headers.control ? FHIR_JSON : 'application/json', ...headers });
    res.end(text);
  }

  async readBody(req) {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  async handle(req, res) {
    const url = new URL(req.url, 'http://peer');
    if (url.pathname.startsWith('/_peer/')) return this.control(req, res, url);
    this.counts.requests++;
    let operation = null;
    if (req.method === 'POST' && url.pathname === '/fhir/$process-message') operation = 'process-message';
    if (req.method === 'POST' && url.pathname === '/fhir/MeasureReport') operation = 'MeasureReport';
    if (!operation) return this.send(res, 404, outcome('error', 'not-found', [`no route ${req.method} ${url.pathname}`]));
    if (!this.requireClientCert && req.headers.authorization !== `Bearer ${this.token}`) {
      this.counts.unauthorized++;
      return this.send(res, 401, outcome('error', 'login', ['a valid bearer token is required']));
    }
    let body;
    try {
      body = JSON.parse(await this.readBody(req));
    } catch (err) {
      return this.send(res, err.status || 400, outcome('error', 'structure', [err.status ? err.message : 'the body is not JSON']));
    }
    const fault = this.faults.take(operation);
    if (fault) this.counts.faults++;
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status && !fault.afterEffect) return this.failWith(res, fault);
    const answer = operation === 'process-message' ? this.processMessage(body) : this.createMeasureReport(body, req);
    if (fault?.status) return this.failWith(res, fault);
    return this.send(res, answer.status, answer.body, answer.headers);
  }

  failWith(res, fault) {
    const headers = fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
    return this.send(res, fault.status, outcome('error', 'transient', ['fault injected by the test']), headers);
  }

  reject(problems) {
    this.counts.rejected++;
    return { status: 422, body: outcome('error', 'invalid', problems.slice(0, 50)) };
  }

  processMessage(bundle) {
    const problems = [...r4Problems(bundle), ...messageProblems(bundle, { allowPatientNames: this.allowPatientNames })];
    const reportId = reportIdOf(bundle);
    if (reportId && this.messages.has(reportId)) {
      this.counts.duplicates++;
      return { status: 200, body: this.messages.get(reportId).response };
    }
    if (problems.length > 0) return this.reject(problems);
    const header = bundle.entry[0].resource;
    const receiptId = crypto.randomUUID();
    const response = {
      resourceType: 'Bundle',
      id: receiptId,
      type: 'message',
      timestamp: new Date().toISOString(),
      entry: [{
        fullUrl: `urn:uuid:${crypto.randomUUID()}`,
        resource: {
          resourceType: 'MessageHeader',
          id: crypto.randomUUID(),
          eventCoding: header.eventCoding,
          source: { name: 'MOH peer', endpoint: 'urn:wasl:moh-peer' },
          response: { identifier: header.id, code: 'ok' },
        },
      }],
    };
    this.messages.set(reportId, { receiptId, response, bundle, receivedAt: Date.now() });
    this.counts.accepted++;
    return { status: 200, body: response };
  }

  createMeasureReport(report, req) {
    const reportId = reportIdOf(report);
    const condition = req.headers['if-none-exist'];
    if (condition && condition !== `identifier=${REPORT_ID_SYSTEM}|${reportId}`) {
      return this.reject(['If-None-Exist must name the report id of the body']);
    }
    if (reportId && this.measureReports.has(reportId)) {
      this.counts.duplicates++;
      return { status: 200, body: this.measureReports.get(reportId).resource };
    }
    const problems = [...r4Problems(report), ...measureReportProblems(report)];
    if (problems.length > 0) return this.reject(problems);
    const id = crypto.randomUUID();
    const stored = { ...report, id, meta: { versionId: '1', lastUpdated: new Date().toISOString() } };
    this.measureReports.set(reportId, { id, resource: stored, receivedAt: Date.now() });
    this.counts.accepted++;
    return { status: 201, body: stored, headers: { Location: `MeasureReport/${id}/_history/1` } };
  }

  async control(req, res, url) {
    const addr = req.socket.remoteAddress || '';
    if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(addr)) {
      return this.send(res, 403, { error: 'the control API answers loopback clients only' }, { control: 1 });
    }
    const json = (status, body) => this.send(res, status, body, { control: 1 });
    if (req.method === 'GET' && url.pathname === '/_peer/effects') {
      return json(200, { ...this.counts, messages: this.messages.size, measureReports: this.measureReports.size });
    }
    if (req.method === 'GET' && url.pathname === '/_peer/reports') {
      return json(200, {
        messages: [...this.messages.entries()].map(([reportId, m]) => ({ reportId, receiptId: m.receiptId, bundle: m.bundle })),
        measureReports: [...this.measureReports.entries()].map(([reportId, m]) => ({ reportId, id: m.id, resource: m.resource })),
      });
    }
    if (req.method === 'GET' && url.pathname === '/_peer/faults') return json(200, this.faults.describe());
    let body = {};
    if (req.method === 'POST') {
      try {
        const text = await this.readBody(req);
        body = text ? JSON.parse(text) : {};
      } catch {
        return json(400, { error: 'the body is not JSON' });
      }
    }
    if (req.method === 'POST' && url.pathname === '/_peer/faults') {
      for (const rule of Array.isArray(body) ? body : [body]) {
        const problem = this.faults.add(rule);
        if (problem) return json(400, { error: problem });
      }
      return json(200, this.faults.describe());
    }
    if (req.method === 'POST' && url.pathname === '/_peer/config') {
      if (body.allowPatientNames !== undefined) this.allowPatientNames = Boolean(body.allowPatientNames);
      if (typeof body.token === 'string' && body.token) this.token = body.token;
      return json(200, { allowPatientNames: this.allowPatientNames });
    }
    if (req.method === 'POST' && url.pathname === '/_peer/reset') {
      this.reset();
      return json(200, {});
    }
    return json(404, { error: `no control route ${req.method} ${url.pathname}` });
  }
}

module.exports = { MohPeer };
