'use strict';
// What the peer's test files share: a real NphiesPeer on loopback with the
// certificates of scripts/test-pki, a mutual-TLS client for it, its control
// API, and CHI's sample messages made to come from the provider the peer
// knows (N-F-00001, the client certificate's CN).

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { NphiesPeer } = require('../src/server');

const SAMPLES = path.resolve(__dirname, '../../../../../shared/data/nphies');
const REPO = path.resolve(__dirname, '../../../..');
const PROVIDER = 'N-F-00001';

function sample(name) {
  return JSON.parse(fs.readFileSync(path.join(SAMPLES, `${name}.json`), 'utf8'));
}

function focal(bundle) {
  const ref = bundle.entry[0].resource.focus && bundle.entry[0].resource.focus[0].reference;
  return bundle.entry.find((e) => e.fullUrl === ref).resource;
}

function errorCodes(resource) {
  return (resource.error || []).map((e) => e.code.coding[0].code);
}

// The professional claim sample, its sender made a known provider.
function claimSample(id) {
  const claim = sample('claim-request-professional');
  if (id) {
    claim.id = `bundle-${id}`;
    claim.entry[0].resource.id = `header-${id}`;
    focal(claim).identifier[0].value = `req_${id}`;
  }
  return claim;
}

// A status-check (CHI's sample) from the known provider about the claim
// `claim` carries (a bundle of claimSample), its ids numbered `n`.
function statusCheck(claim, n = 1) {
  const check = sample('status-check-request');
  const header = check.entry[0].resource;
  const claimIdentifier = focal(claim).identifier[0];
  const tag = `${claimIdentifier.value.replace(/[^A-Za-z0-9.-]/g, '-')}-${n}`;  // an R4 id
  check.id = `status-${tag}`;
  header.id = `status-header-${tag}`;
  header.sender.identifier.value = PROVIDER;
  header.source.endpoint = `http://nphies.sa/license/provider-license/${PROVIDER}`;
  const task = focal(check);
  task.identifier[0].value = `status-task-${tag}`;
  task.focus.identifier = { system: claimIdentifier.system, value: claimIdentifier.value };
  const requester = check.entry.find((e) => e.fullUrl === task.requester.reference).resource;
  requester.identifier[0].value = PROVIDER;
  return check;
}

// A poll-request (CHI's sample) from `provider`, asking for the `include`
// events (none: every event) and at most `count` messages (none: the
// exchange's default of 1).
function pollRequest({ provider = PROVIDER, include, count, id } = {}) {
  const p = sample('poll-request');
  const header = p.entry[0].resource;
  header.sender.identifier.value = provider;
  const task = focal(p);
  const requester = p.entry.find((e) => e.fullUrl.endsWith(task.requester.reference)).resource;
  requester.identifier[0].value = provider;
  if (id) {
    p.id = `poll-${id}`;
    header.id = `poll-header-${id}`;
  }
  if (include) {
    task.input = include.map((code) => ({
      type: { coding: [{ system: 'http://nphies.sa/terminology/CodeSystem/task-input-type', code: 'include-message-type' }] },
      valueCode: code,
    }));
  }
  if (count !== undefined) {
    task.input.push({
      type: { coding: [{ system: 'http://nphies.sa/terminology/CodeSystem/task-input-type', code: 'count' }] },
      valuePositiveInt: count,
    });
  }
  return p;
}

// The message bundles a poll-response carries, in order.
function polledBundles(pollResponse) {
  return pollResponse.entry.filter((e) => e.resource.resourceType === 'Bundle').map((e) => e.resource);
}

// An acknowledgement from `provider` of the polled message whose
// MessageHeader id is `headerId`.
function acknowledgement(headerId, provider = PROVIDER) {
  return {
    resourceType: 'Bundle', id: `ack-${headerId}`, type: 'message', timestamp: new Date().toISOString(),
    meta: { profile: ['http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/bundle|1.0.0'] },
    entry: [{ fullUrl: `urn:uuid:ack-header-${headerId}`, resource: {
      resourceType: 'MessageHeader', id: `ack-header-${headerId}`,
      meta: { profile: ['http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/message-header|1.0.0'] },
      eventCoding: { system: 'http://nphies.sa/terminology/CodeSystem/ksa-message-events', code: 'acknowledgement' },
      destination: [{ endpoint: 'http://nphies.sa', receiver: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/nphies', value: 'NPHIES' } } }],
      sender: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/provider-license', value: provider } },
      source: { endpoint: 'http://sgh.com.sa' },
      response: { identifier: headerId, code: 'ok' },
    } }],
  };
}

// claimSample(id) sent by `provider`: its sender and provider Organization.
function claimFrom(provider, id) {
  const claim = claimSample(id);
  claim.entry[0].resource.sender.identifier.value = provider;
  const org = claim.entry.find((e) => e.fullUrl === focal(claim).provider.reference).resource;
  org.identifier[0].value = provider;
  return claim;
}

// A message from `provider` to the payer N-I-00001 (event `event`, focus
// `focalResource`, then the `more` resources), its ids made from `id`; every
// resource gets its nphies-fs profile `profiles[resourceType]` of version
// `version`.
const PROFILE_NAMES = {
  Communication: 'communication', PaymentNotice: 'payment-notice', Patient: 'patient', Task: 'task',
  Organization: (r) => (r.identifier[0].system.endsWith('payer-license') ? 'insurer-organization' : 'provider-organization'),
};
function providerMessage(event, focalResource, more = [], { id, provider = PROVIDER, version = '1.0.0' } = {}) {
  const base = 'http://provider.example';
  const profile = (name) => `http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/${name}|${version}`;
  const entryOf = (r) => {
    const name = PROFILE_NAMES[r.resourceType];
    const copy = { ...r, meta: { profile: [profile(typeof name === 'function' ? name(r) : name)] } };
    return { fullUrl: `${base}/${r.resourceType}/${r.id}`, resource: copy };
  };
  return {
    resourceType: 'Bundle', id: `message-${id}`, type: 'message', timestamp: new Date().toISOString(),
    meta: { profile: [profile('bundle')] },
    entry: [{
      fullUrl: `urn:uuid:message-header-${id}`,
      resource: {
        resourceType: 'MessageHeader', id: `message-header-${id}`, meta: { profile: [profile('message-header')] },
        eventCoding: { system: 'http://nphies.sa/terminology/CodeSystem/ksa-message-events', code: event },
        destination: [{
          endpoint: 'http://nphies.sa/license/payer-license/N-I-00001',
          receiver: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/payer-license', value: 'N-I-00001' } },
        }],
        sender: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/provider-license', value: provider } },
        source: { endpoint: base },
        focus: [{ reference: `${base}/${focalResource.resourceType}/${focalResource.id}` }],
      },
    }, entryOf(focalResource), ...more.map(entryOf)],
  };
}

// The provider and insurer Organizations a providerMessage refers to as
// Organization/prov and Organization/ins.
function organizations(provider = PROVIDER) {
  return [
    { resourceType: 'Organization', id: 'prov', identifier: [{ system: 'http://nphies.sa/license/provider-license', value: provider }], active: true, name: 'Provider' },
    { resourceType: 'Organization', id: 'ins', identifier: [{ system: 'http://nphies.sa/license/payer-license', value: 'N-I-00001' }], active: true, name: 'Payer' },
  ];
}

// An Exchange without HTTP or R4 validation (fast), knowing providers
// N-F-00001 and N-F-00002, its clock the returned `clock.now` (ms).
function bareExchange(options = {}) {
  const clock = { now: Date.parse('2025-01-15T08:00:00Z') };
  const { Exchange } = require('../src/exchange');
  const exchange = new Exchange({
    providers: [PROVIDER, 'N-F-00002'], payers: ['N-I-00001'],
    serviceSystems: ['http://nphies.sa/terminology/CodeSystem/services'], validateR4: false,
    now: () => clock.now, ...options,
  });
  return { exchange, clock };
}

// The Task of a status-response and its status output's code (undefined
// without one).
function statusAnswer(bundle) {
  const task = focal(bundle);
  const output = (task.output || []).find((o) => o.type.coding[0].code === 'status');
  return { task, status: task.status, held: output && output.valueCode };
}

class ExchangeFixture {
  // Makes certificates and starts the peer on free ports.
  static async start() {
    const fixture = new ExchangeFixture();
    fixture.pki = fs.mkdtempSync(path.join(os.tmpdir(), 'nphies-peer-pki-'));
    execFileSync(path.join(REPO, 'scripts/test-pki'), [fixture.pki, '--days', '2']);
    fixture.peer = new NphiesPeer({
      host: '127.0.0.1', port: 0, controlPort: 0,
      certFile: fixture.file('server.crt'), keyFile: fixture.file('server.key'), caFile: fixture.file('ca.crt'),
      providers: [PROVIDER], payers: ['N-I-00001'],
      serviceSystems: ['http://nphies.sa/terminology/CodeSystem/services'],
    });
    fixture.port = await fixture.peer.listen({ host: '127.0.0.1', port: 0, controlPort: 0 });
    fixture.controlPort = fixture.peer.controlPort;
    return fixture;
  }

  file(name) { return path.join(this.pki, name); }

  // TLS options of a client holding `client`'s certificate (none: null)
  // and trusting `ca`.
  tlsOptions({ client = 'client', ca = 'ca' } = {}) {
    const options = { host: '127.0.0.1', port: this.port, ca: fs.readFileSync(this.file(`${ca}.crt`)) };
    if (client) {
      options.cert = fs.readFileSync(this.file(`${client}.crt`));
      options.key = fs.readFileSync(this.file(`${client}.key`));
    }
    return options;
  }

  // POSTs `body` to $process-message, on a connection of its own unless
  // `agent` is given. Resolves { status, headers, body (parsed) }; rejects
  // with the socket's error, or when the connection is silent for
  // `timeoutMs` (then err.code is 'CLIENT_TIMEOUT').
  post(body, { timeoutMs, agent = false, ...options } = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request({
        ...this.tlsOptions(options), method: 'POST', path: '/$process-message', agent,
        headers: { 'Content-Type': 'application/fhir+json', 'Content-Length': Buffer.byteLength(text) },
      }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      });
      req.on('error', reject);
      if (timeoutMs !== undefined) {
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('the client gave up'), { code: 'CLIENT_TIMEOUT' })));
      }
      req.end(text);
    });
  }

  // The control API: the parsed answer (with `status` when asked for).
  async control(method, route, body, { withStatus = false } = {}) {
    const res = await fetch(`http://127.0.0.1:${this.controlPort}${route}`, {
      method, headers: { 'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json();
    return withStatus ? { status: res.status, json } : json;
  }

  async claims() { return (await this.control('GET', '/_peer/claims')).items; }
  async received() { return (await this.control('GET', '/_peer/received')).items; }

  async close() {
    await this.peer.close();
    fs.rmSync(this.pki, { recursive: true, force: true });
  }
}

module.exports = {
  ExchangeFixture, sample, focal, errorCodes, claimSample, claimFrom, statusCheck, statusAnswer, PROVIDER,
  pollRequest, polledBundles, acknowledgement, bareExchange, providerMessage, organizations,
};
