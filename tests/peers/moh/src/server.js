'use strict';
// MohPeer: the receiving end of Wasl's MOH reporting proposal on loopback.
//
//   POST /fhir/$process-message  a per-consultation message Bundle
//   POST /fhir/MeasureReport     an aggregate MeasureReport (conditional create)
//
// Every request must carry `Authorization: Bearer <token>` (unless the peer
// runs with a client CA: then the TLS client certificate authenticates).
// Over TLS the control API is on a plain-HTTP loopback port of its own.
// Every resource is validated as R4 (r4.js) and against the
// proposal's rules (moh_rules.js); a problem answers 422 with an
// OperationOutcome listing it. A report id seen before answers the stored
// receipt: the same response Bundle (200) or the stored MeasureReport (200).
// The control API under /_peer/ (loopback clients only) lists what was
// received, sets faults and configuration, and resets.

const crypto = require('node:crypto');
const fs = require('node:fs');
const { PeerServer, Faults, readBody, BodyTooLarge } = require('../../support');
const { r4 } = require('./r4');
const { messageProblems, measureReportProblems, reportIdOf, REPORT_ID_SYSTEM } = require('./moh_rules');

const MAX_BODY = 4 << 20;
const FHIR_JSON = 'application/fhir+json';
const OPERATIONS = { '/fhir/$process-message': 'process-message', '/fhir/MeasureReport': 'MeasureReport' };
const COUNTERS = ['requests', 'accepted', 'duplicates', 'rejected', 'unauthorized'];

function outcome(severity, code, diagnostics) {
  return {
    resourceType: 'OperationOutcome',
    issue: diagnostics.map((d) => ({ severity, code, diagnostics: d })),
  };
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': status < 300 ? FHIR_JSON : 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

// The problems of `resource` as R4, as OperationOutcome diagnostics.
function r4Problems(resource) {
  return r4.problems(resource).map((p) => `${p.validator}: ${p.text}${p.expression ? ` (${p.expression})` : ''}`);
}

function tlsOptions(options) {
  if (!options.tlsCert || !options.tlsKey) return undefined;
  const ca = options.clientCa ? fs.readFileSync(options.clientCa) : undefined;
  return {
    cert: fs.readFileSync(options.tlsCert),
    key: fs.readFileSync(options.tlsKey),
    ca,
    requestCert: Boolean(ca),
    rejectUnauthorized: Boolean(ca),
  };
}

class MohPeer extends PeerServer {
  constructor(options = {}) {
    const tls = tlsOptions(options);
    super({
      name: 'moh-peer',
      tls,
      // Over TLS the control API has a plain-HTTP port of its own, so the
      // client-certificate gate stands before every route and PeerProcess
      // still controls the peer.
      controlPort: Boolean(tls),
      faults: new Faults({
        statuses: [429, 500, 502, 503, 504],
        retryAfterStatuses: [],
        operations: Object.values(OPERATIONS),
      }),
    });
    this.token = options.token ?? 'moh-sandbox-token';
    this.allowPatientNames = Boolean(options.allowPatientNames);
    this.requireClientCert = Boolean(tls && tls.ca);
    this.messages = new Map();        // report id -> {receiptId, response, bundle, receivedAt}
    this.measureReports = new Map();  // report id -> {id, resource, receivedAt}
    this.control
      .route('GET', '/_peer/reports', () => ({
        messages: [...this.messages.entries()].map(([reportId, m]) => ({ reportId, receiptId: m.receiptId, bundle: m.bundle })),
        measureReports: [...this.measureReports.entries()].map(([reportId, m]) => ({ reportId, id: m.id, resource: m.resource })),
      }))
      .route('POST', '/_peer/config', ({ body }) => {
        if (body.allowPatientNames !== undefined) this.allowPatientNames = Boolean(body.allowPatientNames);
        if (typeof body.token === 'string' && body.token) this.token = body.token;
        return { allowPatientNames: this.allowPatientNames };
      });
  }

  reset() {
    super.reset();
    this.messages.clear();
    this.measureReports.clear();
  }

  effectsView() {
    const counts = Object.fromEntries(COUNTERS.map((name) => [name, this.effects.get(name)]));
    return {
      ...counts,
      faults: this.faults.fired,
      messages: this.messages.size,
      measureReports: this.measureReports.size,
    };
  }

  errorAnswer(res, err) {
    send(res, 500, outcome('fatal', 'exception', [`peer error: ${err && err.message ? err.message : err}`]));
  }

  async handle(req, res, url) {
    this.effects.count('requests');
    const operation = req.method === 'POST' ? OPERATIONS[url.pathname] : undefined;
    if (!operation) return send(res, 404, outcome('error', 'not-found', [`no route ${req.method} ${url.pathname}`]));
    if (!this.requireClientCert && req.headers.authorization !== `Bearer ${this.token}`) {
      this.effects.count('unauthorized');
      return send(res, 401, outcome('error', 'login', ['a valid bearer token is required']));
    }
    let body;
    try {
      body = JSON.parse((await readBody(req, MAX_BODY)).toString('utf8'));
    } catch (err) {
      return err instanceof BodyTooLarge
        ? send(res, 413, outcome('error', 'structure', [err.message]))
        : send(res, 400, outcome('error', 'structure', ['the body is not JSON']));
    }
    return this.faults.perform(operation, res, {
      effect: () => (operation === 'process-message' ? this.processMessage(body) : this.createMeasureReport(body, req)),
      answer: (answer) => send(res, answer.status, answer.body, answer.headers),
      fail: (rule) => send(res, rule.status, outcome('error', 'transient', ['fault injected by the test']),
        rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) }),
    });
  }

  reject(problems) {
    this.effects.count('rejected');
    return { status: 422, body: outcome('error', 'invalid', problems.slice(0, 50)) };
  }

  processMessage(bundle) {
    const problems = [...r4Problems(bundle), ...messageProblems(bundle, { allowPatientNames: this.allowPatientNames })];
    const reportId = reportIdOf(bundle);
    if (reportId && this.messages.has(reportId)) {
      this.effects.count('duplicates');
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
    this.effects.count('accepted');
    return { status: 200, body: response };
  }

  createMeasureReport(report, req) {
    const reportId = reportIdOf(report);
    const condition = req.headers['if-none-exist'];
    if (condition && condition !== `identifier=${REPORT_ID_SYSTEM}|${reportId}`) {
      return this.reject(['If-None-Exist must name the report id of the body']);
    }
    if (reportId && this.measureReports.has(reportId)) {
      this.effects.count('duplicates');
      return { status: 200, body: this.measureReports.get(reportId).resource };
    }
    const problems = [...r4Problems(report), ...measureReportProblems(report)];
    if (problems.length > 0) return this.reject(problems);
    const id = crypto.randomUUID();
    const stored = { ...report, id, meta: { versionId: '1', lastUpdated: new Date().toISOString() } };
    this.measureReports.set(reportId, { id, resource: stored, receivedAt: Date.now() });
    this.effects.count('accepted');
    return { status: 201, body: stored, headers: { Location: `MeasureReport/${id}/_history/1` } };
  }
}

module.exports = { MohPeer };
