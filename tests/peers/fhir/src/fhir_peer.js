'use strict';
// FhirPeer: a FHIR R4 server for Wasl's tests on the peer test-support
// library (tests/peers/support). Routes:
//
//   {base}/...                          FHIR R4 REST (fhir_service.js), each call
//                                       behind the auth mode (auth.js) and the faults
//   {base}/.well-known/smart-configuration   SMART discovery (no auth)
//   /auth/token                         the SMART Backend Services token endpoint
//
// {base} is --base-path (default /fhir/R4). Fault rules name a call by any of
// "<interaction> <Type>" ("create Encounter", "read Patient", "search
// Coverage", "update Appointment"), "<interaction>" ("create"), "<METHOD>
// <Type>" ("POST Encounter"), "<METHOD> <path below the base>" ("PUT
// Appointment/fatimah-booked") or "token"; the statuses are those of
// FAULT_STATUSES.
//
// Control routes beside the library's own (/_peer/effects, /_peer/faults,
// /_peer/received/{kind}, /_peer/reset): see ../README.md.

const { PeerServer, Faults, ControlError, readBody, BodyTooLarge, checkCount } = require('../../support');
const { FhirService, interactionOf, FHIR_JSON } = require('./fhir_service');
const { outcomeOf } = require('./r4');
const { FIXTURES } = require('./fixtures');
const { Auth } = require('./auth');
const { Subscriptions, criteriaOf } = require('./subscriptions');

const FAULT_STATUSES = [400, 401, 403, 404, 409, 410, 412, 422, 429, 500, 502, 503];
const BODY_LIMIT = 4 << 20;
const TOKEN_PATH = '/auth/token';

// The largest hostile answers a rule may ask for: 1,000,000 levels of
// nesting (2 MB of brackets) and 64 MiB of padding.
const MAX_ANSWER_DEPTH = 1000000;
const MAX_ANSWER_BYTES = 64 << 20;
const MIN_ANSWER_BYTES = 1024;

// Fault rules matched against every name of a call, not one; and the
// peer's own kinds: `notify` rules (subscriptions.js), for the notifications
// it sends, which '*' rules never touch, and `answers` rules, a read answered
// 200 with a hostile body the peer makes itself (hostileBody()).
class FhirFaults extends Faults {
  constructor(options) {
    super(options);
    this.defineRules('answers', {
      recognise: (rule) => rule && rule.answer !== undefined,
      parse: (rule) => {
        const count = checkCount(rule.count);
        if (count === null) return 'count must be an integer 1..10000';
        if (!rule.operation || typeof rule.operation !== 'string') return 'operation is required';
        if (rule.answer === 'deep') {
          const depth = Number(rule.depth);
          if (!Number.isInteger(depth) || depth < 1 || depth > MAX_ANSWER_DEPTH) {
            return `depth must be an integer 1..${MAX_ANSWER_DEPTH}`;
          }
          return { operation: rule.operation, remaining: count, answer: 'deep', depth };
        }
        if (rule.answer === 'huge') {
          const bytes = Number(rule.bytes);
          if (!Number.isInteger(bytes) || bytes < MIN_ANSWER_BYTES || bytes > MAX_ANSWER_BYTES) {
            return `bytes must be an integer ${MIN_ANSWER_BYTES}..${MAX_ANSWER_BYTES}`;
          }
          return { operation: rule.operation, remaining: count, answer: 'huge', bytes };
        }
        return 'answer must be "deep" or "huge"';
      },
    });
    this.defineRules('notify', {
      recognise: (rule) => rule && rule.operation === 'notify',
      parse: (rule) => {
        const count = checkCount(rule.count);
        if (count === null) return 'count must be an integer 1..10000';
        const delayMs = rule.delayMs === undefined ? 0 : Number(rule.delayMs);
        if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > this.maxDelayMs) {
          return `delayMs must be an integer 0..${this.maxDelayMs}`;
        }
        const drop = Boolean(rule.drop) || rule.status !== undefined;
        if (!drop && delayMs === 0) return 'a notify rule gives drop or delayMs';
        return { operation: 'notify', remaining: count, drop, delayMs };
      },
    });
  }

  take(names) {
    const list = Array.isArray(names) ? names : [names];
    const rule = this.rules.find((r) => r.operation === '*' || list.includes(r.operation));
    if (!rule) return null;
    this.fired++;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return { ...rule };
  }
}

// The text of a hostile 200 answer to a read of `resource` (the stored
// one, or {resourceType, id} when there is none) under an `answers` rule:
//   deep  the resource with `extension` holding `depth` nested arrays
//         ([[[…]]]): a few bytes per level, deeper than any parser's budget;
//   huge  the resource with a generated narrative padding it to exactly
//         `bytes` + 1 bytes, one more than asked.
// Both are JSON; neither is valid R4 (the point is the shape, not the content).
function hostileBody(resource, entry) {
  const base = { ...resource };
  delete base.extension;
  delete base.text;
  const head = JSON.stringify(base).slice(0, -1);
  if (entry.answer === 'deep') {
    return `${head},"extension":${'['.repeat(entry.depth)}${']'.repeat(entry.depth)}}`;
  }
  const open = `${head},"text":{"status":"generated","div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\">`;
  const close = '</div>"}}';
  const pad = Math.max(0, entry.bytes + 1 - Buffer.byteLength(open) - close.length);
  return `${open}${'x'.repeat(pad)}${close}`;
}

function send(res, { status, body, headers }) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendOutcome(res, status, code, text, headers = {}) {
  send(res, { status, body: outcomeOf(code, text), headers: { 'Content-Type': FHIR_JSON, ...headers } });
}

const FAULT_CODES = { 429: 'throttled', 500: 'exception', 502: 'transient', 503: 'transient', 404: 'not-found', 410: 'deleted', 412: 'conflict', 409: 'conflict', 401: 'login', 403: 'forbidden' };

class FhirPeer extends PeerServer {
  // options: basePath, auth settings (auth.js), examplesDir, seed (fixture
  // names, comma-separated, loaded at start).
  constructor(options = {}) {
    super({ name: 'fhir-peer', faults: new FhirFaults({ statuses: FAULT_STATUSES }) });
    this.options = options;
    this.basePath = `/${String(options.basePath || '/fhir/R4').replace(/^\/+|\/+$/g, '')}`;
    this.fhir = new FhirService({ fhirVersion: options.fhirVersion });
    this.auth = new Auth(options);
    this.subscriptions = new Subscriptions({ fhir: this.fhir, effects: this.effects, faults: this.faults });
    this.control
      .route('POST', '/_peer/seed', async ({ req, body }) => this.seed(body.fixtures || body.fixture || 'demo', body.resources, this.origin(req)))
      .route('GET', /^\/_peer\/resources\/([A-Za-z]+)$/, async ({ params }) => {
        const resources = await this.fhir.list(params[0]);
        return { count: resources.length, resources };
      })
      .route('GET', '/_peer/auth', () => this.auth.describe())
      .route('POST', '/_peer/auth', ({ body }) => {
        const problem = this.auth.configure(body);
        if (problem) throw new ControlError(400, problem);
        return this.auth.describe();
      })
      .route('POST', '/_peer/tokens/expire', () => ({ expired: this.auth.expireTokens() }))
      .route('POST', '/_peer/notify', async ({ req, body }) => this.notifyNow(body, this.origin(req)));
  }

  async listen(address) {
    const port = await super.listen(address);
    if (this.options.seed && this.options.seed.length) await this.seed(this.options.seed);
    return port;
  }

  reset() {
    super.reset();
    this.fhir.clear();
    this.auth.reset();
    this.subscriptions.reset();
  }

  effectsView() {
    return { ...super.effectsView(), notificationsPending: this.subscriptions.pending };
  }

  // Loads the fixtures named (a list or a comma-separated string) and the
  // resources given (notifying Subscriptions as any write does); answers
  // what was stored.
  async seed(names, resources = [], origin = `http://127.0.0.1:${this.port}`) {
    const list = (Array.isArray(names) ? names : String(names).split(',')).map((n) => n.trim()).filter(Boolean);
    const all = [];
    for (const name of list) {
      if (!FIXTURES[name]) throw new ControlError(400, `unknown fixture ${JSON.stringify(name)}; known: ${Object.keys(FIXTURES).join(', ')}`);
      try {
        all.push(...FIXTURES[name](this.options));
      } catch (err) {
        throw new ControlError(400, `fixture ${name}: ${err.message}`);
      }
    }
    if (!Array.isArray(resources)) throw new ControlError(400, 'resources must be an array');
    all.push(...resources);
    const stored = [];
    for (const resource of all) {
      if (!resource || typeof resource.resourceType !== 'string' || typeof resource.id !== 'string') {
        throw new ControlError(400, 'every seeded resource needs resourceType and id');
      }
      let existed;
      let written;
      try {
        existed = (await this.fhir.read(resource.resourceType, resource.id)) !== null;
        written = await this.fhir.put(resource);
      } catch (err) {
        throw new ControlError(422, err.message);
      }
      stored.push(written);
      await this.subscriptions.written(written, !existed, `${origin}${this.basePath}`);
    }
    return { stored: stored.map((r) => `${r.resourceType}/${r.id}`) };
  }

  // The base URL clients reach this server at: the Host they used.
  origin(req) {
    const host = req.headers.host || `127.0.0.1:${this.port}`;
    return `http://${host}`;
  }

  errorAnswer(res) {
    sendOutcome(res, 500, 'exception', 'Internal peer error.');
  }

  async handle(req, res, url) {
    const origin = this.origin(req);
    const baseUrl = `${origin}${this.basePath}`;
    if (url.pathname === `${this.basePath}/.well-known/smart-configuration` && req.method === 'GET') {
      this.effects.count(['requests', 'smart-configuration']);
      send(res, { status: 200, body: this.auth.smartConfiguration(`${origin}${TOKEN_PATH}`), headers: { 'Content-Type': 'application/json' } });
      return;
    }
    if (url.pathname === TOKEN_PATH) {
      await this.token(req, res, `${origin}${TOKEN_PATH}`);
      return;
    }
    if (url.pathname !== this.basePath && !url.pathname.startsWith(`${this.basePath}/`)) {
      sendOutcome(res, 404, 'not-found', `No route ${url.pathname}; the FHIR base is ${this.basePath}.`);
      return;
    }
    let segments;
    try {
      segments = url.pathname.slice(this.basePath.length).split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      sendOutcome(res, 400, 'invalid', 'The path is not valid percent-encoding.');
      return;
    }
    const { interaction, type } = interactionOf(req.method, segments);
    // The CapabilityStatement is public, as SMART discovery is.
    const refused = interaction === 'capabilities' ? null : this.auth.check(req, interaction, type);
    if (refused) {
      this.effects.count(['refused', refused.why]);
      sendOutcome(res, refused.status, refused.status === 403 ? 'forbidden' : 'login', refused.message, refused.headers);
      return;
    }
    let raw;
    try {
      raw = await readBody(req, BODY_LIMIT);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      sendOutcome(res, 413, 'too-costly', err.message);
      return;
    }
    const query = new URLSearchParams(url.search);
    let body;
    if (raw.length) {
      const type = String(req.headers['content-type'] || '');
      if (req.method === 'POST' && segments[1] === '_search' && type.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) query.append(k, v);
      } else {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          sendOutcome(res, 400, 'structure', 'The body is not JSON.');
          return;
        }
      }
    }
    if (type === 'Subscription' && (interaction === 'create' || interaction === 'update') && body && typeof body === 'object') {
      const problem = this.subscriptionProblem(body);
      if (problem) {
        sendOutcome(res, 422, 'invalid', problem);
        return;
      }
    }
    const names = [`${interaction} ${type}`.trim(), interaction, `${req.method} ${type}`.trim(),
      `${req.method} ${segments.join('/')}`];
    this.effects.count(['requests', interaction, type || '*']);
    if (interaction === 'read' || interaction === 'vread') {
      const hostile = this.faults.takeOwn('answers', (e) => e.operation === '*' || names.includes(e.operation));
      if (hostile) {
        const stored = await this.fhir.read(type, segments[1] || '').catch(() => null);
        const text = hostileBody(stored || { resourceType: type, id: segments[1] || '' }, hostile);
        const { remaining, ...rule } = hostile;
        const faulted = {
          call: `${req.method} ${segments.join('/')}`, ...rule, status: 200, sentBytes: Buffer.byteLength(text), endedAt: null,
        };
        this.effects.record('faulted', faulted);
        res.on('close', () => { faulted.endedAt = new Date().toISOString(); });
        res.writeHead(200, { 'Content-Type': FHIR_JSON, 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
    }
    await this.performRecorded(`${req.method} ${segments.join('/')}`, names, res, {
      effect: () => this.fhir.execute({ method: req.method, segments, query, headers: req.headers, body, baseUrl }),
      answer: (result) => {
        send(res, result);
        if (result.resource) this.written(result.resource, result.created, interaction, baseUrl);
        for (const w of result.written || []) this.written(w.resource, w.created, w.created ? 'create' : 'update', baseUrl);
      },
      fail: (rule) => sendOutcome(res, rule.status, FAULT_CODES[rule.status] || 'processing', `Injected fault: ${rule.status}.`,
        rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) }),
    });
  }

  // Runs one call under the faults (Faults.perform with `handlers`); a call a
  // rule acted on is recorded as `faulted`: {call, operation (the rule's),
  // status, delayMs, hang, drop, endedAt}, `at` when the rule fired (before
  // its delay) and `endedAt` when the peer was done with the call (answered,
  // or its connection closed; null until then), so a test sees when a
  // delayed or hung call began and ended.
  async performRecorded(call, names, res, handlers) {
    let faulted = null;
    try {
      await this.faults.perform(names, res, {
        ...handlers,
        fired: (rule) => {
          faulted = {
            call,
            operation: rule.operation,
            status: rule.status === undefined ? null : rule.status,
            delayMs: rule.delayMs,
            hang: rule.hang,
            drop: rule.drop,
            endedAt: null,
          };
          this.effects.record('faulted', faulted);
        },
      });
    } finally {
      if (faulted) faulted.endedAt = new Date().toISOString();
    }
  }

  // After a create or update was answered.
  written(resource, created, interaction, baseUrl) {
    this.effects.count([created ? 'created' : 'updated', resource.resourceType]);
    this.effects.record('writes', { interaction, created, reference: `${resource.resourceType}/${resource.id}`, versionId: resource.meta.versionId });
    this.subscriptions.written(resource, created, baseUrl).catch((err) => {
      process.stderr.write(`fhir-peer: notifying subscriptions failed: ${err && err.stack ? err.stack : err}\n`);
    });
  }

  // POST /_peer/notify {subscription: id, resource: {...} | reference:
  // "Type/id", created}: one notification now, whatever the criteria say.
  async notifyNow(body, origin) {
    const subscription = await this.fhir.read('Subscription', String(body.subscription || ''));
    if (!subscription) throw new ControlError(404, `no Subscription/${body.subscription}`);
    let resource = body.resource;
    if (resource === undefined && typeof body.reference === 'string') {
      const [type, id] = body.reference.split('/');
      resource = await this.fhir.read(type, id || '');
      if (!resource) throw new ControlError(404, `no ${body.reference}`);
    }
    if (!resource || typeof resource.resourceType !== 'string' || typeof resource.id !== 'string') {
      throw new ControlError(400, 'give reference, or resource with resourceType and id');
    }
    this.subscriptions.notify(subscription, resource, Boolean(body.created), `${origin}${this.basePath}`);
    return { queued: `${resource.resourceType}/${resource.id}` };
  }

  // What this server cannot deliver in a Subscription, or null.
  subscriptionProblem(subscription) {
    const channel = subscription.channel || {};
    if (channel.type !== 'rest-hook') return 'This server delivers rest-hook Subscriptions only.';
    if (!/^https?:\/\/\S+$/.test(String(channel.endpoint || ''))) return 'channel.endpoint must be an http(s) URL.';
    if (!criteriaOf(subscription)) return 'criteria must be a search such as Appointment?status=booked.';
    return null;
  }

  async token(req, res, tokenUrl) {
    this.effects.count(['requests', 'token']);
    let raw;
    try {
      raw = await readBody(req, 64 * 1024);
    } catch (err) {
      if (!(err instanceof BodyTooLarge)) throw err;
      send(res, { status: 413, body: { error: 'invalid_request', error_description: err.message }, headers: { 'Content-Type': 'application/json' } });
      return;
    }
    await this.performRecorded(`${req.method} ${TOKEN_PATH}`, ['token'], res, {
      effect: () => this.auth.token(req, raw, tokenUrl),
      answer: (answer) => {
        this.effects.count(['tokens', answer.status === 200 ? 'issued' : 'refused']);
        send(res, { ...answer, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...(answer.headers || {}) } });
      },
      fail: (rule) => send(res, {
        status: rule.status,
        body: { error: rule.status >= 500 || rule.status === 429 ? 'temporarily_unavailable' : 'invalid_client', error_description: `Injected fault: ${rule.status}.` },
        headers: { 'Content-Type': 'application/json', ...(rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) }) },
      }),
    });
  }
}

module.exports = { FhirPeer, FhirFaults, FAULT_STATUSES, TOKEN_PATH };
