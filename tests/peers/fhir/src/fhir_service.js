'use strict';
// FhirService: the FHIR R4 REST API of the peer, on @medplum/fhir-router over
// its MemoryRepository (with an identifier index: indexed_repository.js).
// The router does the interactions (read, vread,
// search, create, conditional create with If-None-Exist, update with
// If-Match, delete, patch, history); this adds what a server answering real
// clients must and the in-memory repository leaves out:
//
// - every create and update is validated as R4 first (r4.js): an invalid
//   resource is answered 422 with an OperationOutcome naming the problems;
//   a body that is not a FHIR resource of the path's type, 400;
// - a create ignores the id and meta.versionId the client sent (the server
//   assigns them);
// - referential integrity: a written resource's relative references name
//   resources on the server (422 otherwise);
// - search pages: `_count` (default 20, at most 500) and `_offset`, with
//   Bundle.link self and next, entry.fullUrl and search.mode;
// - GET metadata: an R4 CapabilityStatement;
// - ETag, Last-Modified and Location on the resource answers.
//
// execute() never throws for a client's mistake: it answers
// { status, body, headers }.

// ./r4 first: it gives Node 20 the WebSocket @medplum/core looks for.
const { loadDefinitions, validateR4, outcome, outcomeOf, issue, core } = require('./r4');
const { FhirRouter } = require('@medplum/fhir-router');
const { IndexedRepository } = require('./indexed_repository');

const DEFAULT_COUNT = 20;
const MAX_COUNT = 500;
const MAX_BUNDLE_ENTRIES = 100;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

// What a request does, for fault rules and effects: the REST interaction and
// the resource type ('' for the system level).
function interactionOf(method, segments) {
  const [type = '', id, third] = segments;
  if (type === 'metadata') return { interaction: 'capabilities', type: '' };
  if (method === 'GET' && segments.length === 0) return { interaction: 'search-system', type: '' };
  if (method === 'POST' && segments.length === 0) return { interaction: 'batch', type: '' };
  if (method === 'GET' && segments.length === 1) return { interaction: 'search', type };
  if (method === 'POST' && id === '_search') return { interaction: 'search', type };
  if (method === 'POST' && segments.length === 1) return { interaction: 'create', type };
  if (method === 'GET' && third === '_history') return { interaction: segments.length > 3 ? 'vread' : 'history', type };
  if (method === 'GET') return { interaction: 'read', type };
  if (method === 'PUT') return { interaction: 'update', type };
  if (method === 'DELETE') return { interaction: 'delete', type };
  if (method === 'PATCH') return { interaction: 'patch', type };
  return { interaction: method.toLowerCase(), type };
}

function capabilityStatement(baseUrl, fhirVersion) {
  const interactions = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'create', 'search-type']
    .map((code) => ({ code }));
  const types = ['Patient', 'Practitioner', 'PractitionerRole', 'Organization', 'Coverage', 'Appointment',
    'Encounter', 'DocumentReference', 'Composition', 'MedicationRequest', 'Observation', 'Subscription',
    'HealthcareService', 'Schedule', 'Slot'];
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    software: { name: 'Wasl FHIR test peer (@medplum/fhir-router)', version: '4.5.2' },
    implementation: { description: 'A FHIR R4 server for Wasl tests', url: baseUrl },
    fhirVersion,
    format: ['json'],
    rest: [{
      mode: 'server',
      security: {
        service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
      },
      resource: types.map((type) => ({
        type,
        interaction: interactions,
        versioning: 'versioned-update',
        conditionalCreate: true,
        updateCreate: true,
      })),
    }],
  };
}

class FhirService {
  // fhirVersion: what the CapabilityStatement claims (4.0.1, R4; another
  // value lets a client's version check be tested).
  constructor({ fhirVersion = '4.0.1' } = {}) {
    loadDefinitions();
    this.fhirVersion = fhirVersion;
    this.repo = new IndexedRepository();
    this.router = new FhirRouter();
    this.transactions = Promise.resolve();  // transactions run one at a time
  }

  clear() {
    this.repo.clear();
  }

  // Stores `resource` as given (its id kept), bypassing the REST rules but
  // not validation: for fixtures. Returns the stored resource or throws an
  // Error naming the problem.
  async put(resource) {
    const issues = validateR4(resource);
    if (issues.length) {
      throw new Error(`${resource.resourceType}/${resource.id} is not valid R4: ${issues.map((i) => i.details.text).join('; ')}`);
    }
    return this.repo.updateResource(resource);
  }

  // Every current resource of `type`, oldest first.
  async list(type) {
    const bundle = await this.repo.search({ resourceType: type });
    return (bundle.entry || []).map((e) => e.resource);
  }

  async read(type, id) {
    try {
      return await this.repo.readResource(type, id);
    } catch {
      return null;
    }
  }

  // request: { method, segments (the path below the base, split), query
  // (URLSearchParams), headers, body (parsed JSON or undefined), baseUrl }.
  // Returns { status, body, headers, resource, created } where resource is
  // the stored resource of a successful create or update.
  async execute(request) {
    const { method, segments, baseUrl } = request;
    const { interaction, type } = interactionOf(method, segments);
    if (interaction === 'capabilities') return this.answer(200, capabilityStatement(baseUrl, this.fhirVersion));
    if (type && !core.isResourceType(type)) {
      return this.answer(404, outcomeOf('not-supported', `Unknown resource type ${type}.`));
    }
    if (interaction === 'batch') return this.bundle(request);
    const query = new URLSearchParams(request.query);
    let body = request.body;
    if (interaction === 'create' || interaction === 'update') {
      const problem = this.checkWrite(interaction, type, segments[1], body) || await this.checkReferences(body);
      if (problem) return problem;
      body = structuredClone(body);
      if (interaction === 'create') {
        delete body.id;
        if (body.meta) {
          delete body.meta.versionId;
          delete body.meta.lastUpdated;
        }
      }
      if (type === 'Subscription' && body.status === 'requested') body.status = 'active';
    }
    let count = 0;
    let offset = 0;
    if (interaction === 'search') {
      const paging = this.paging(query);
      if (paging.error) return paging.error;
      ({ count, offset } = paging);
      query.set('_count', String(count));
      if (offset) query.set('_offset', String(offset));
    }
    const search = query.toString();
    // POST _search (its form joined to the query by the caller) is a GET search.
    const routed = interaction === 'search' ? { method: 'GET', path: type } : { method, path: segments.join('/') };
    const url = `/${routed.path}${search ? `?${search}` : ''}`;
    const existed = interaction === 'update' ? (await this.read(type, segments[1])) !== null : false;
    const headers = {};
    for (const name of ['if-none-exist', 'if-match']) {
      if (request.headers[name] !== undefined) headers[name] = request.headers[name];
    }
    const [result, resource] = await this.router.handleRequest(
      { method: routed.method, url, pathname: '', body, params: {}, query: {}, headers },
      this.repo,
    );
    const status = core.getStatus(result);
    if (status >= 400 || !resource) return this.answer(status, result);
    if (interaction === 'search') {
      return this.answer(status, this.page(resource, { type, query, count, offset, baseUrl }));
    }
    const extra = {};
    if (resource.meta && resource.meta.versionId && resource.resourceType !== 'Bundle') {
      extra.ETag = `W/"${resource.meta.versionId}"`;
      if (resource.meta.lastUpdated) extra['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
      if (status === 201) {
        extra.Location = `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${resource.meta.versionId}`;
      }
    }
    const answer = this.answer(status, resource, extra);
    if (interaction === 'create' || interaction === 'update') {
      answer.resource = resource;
      answer.created = interaction === 'create' ? status === 201 : !existed;
    }
    return answer;
  }

  // POST {base} with a Bundle. A transaction is all or nothing, as a real
  // server's is: each entry's resource is checked as a create or update is
  // (R4, references, a urn:uuid reference to another entry allowed), then
  // the router runs it under the peer's one transaction lock with
  // If-Match and If-None-Exist applied per entry; the first entry that
  // fails (a stale If-Match is 412) restores every resource as it was and
  // is the answer's status. Batches run entry by entry, as the router does.
  async bundle(request) {
    const body = request.body;
    if (!body || body.resourceType !== 'Bundle' || !['transaction', 'batch'].includes(body.type)) {
      return this.answer(400, outcomeOf('invalid', 'POST to the base takes a transaction or batch Bundle.'));
    }
    const entries = Array.isArray(body.entry) ? body.entry : [];
    if (!entries.length || entries.length > MAX_BUNDLE_ENTRIES) {
      return this.answer(400, outcomeOf('invalid', `A Bundle holds 1..${MAX_BUNDLE_ENTRIES} entries.`));
    }
    const bundle = structuredClone(body);
    if (body.type === 'transaction') {
      for (const [i, entry] of bundle.entry.entries()) {
        const method = entry && entry.request && entry.request.method;
        if (method !== 'POST' && method !== 'PUT') continue;
        const segments = String(entry.request.url || '').split('?')[0].split('/').filter(Boolean);
        const problem = this.checkWrite(method === 'POST' ? 'create' : 'update', segments[0], segments[1], entry.resource) ||
          await this.checkReferences(entry.resource);
        if (problem) {
          problem.body = outcomeOf(problem.body.issue[0].code, `Bundle.entry[${i}]: ${problem.body.issue[0].details.text}`);
          return problem;
        }
      }
    }
    const run = async () => {
      const saved = body.type === 'transaction' ? this.snapshot() : null;
      const [result, resource] = await this.router.handleRequest(
        { method: 'POST', url: '/', body: bundle, params: {}, query: {}, headers: {}, config: { transactions: true } },
        this.repo,
      );
      const status = core.getStatus(result);
      if (status >= 400 || !resource) {
        if (saved) this.restore(saved);
        return this.answer(status, result);
      }
      const answer = this.answer(200, resource);
      answer.written = (resource.entry || [])
        .filter((e) => e.resource && e.resource.meta && ['200', '201'].includes(e.response && e.response.status))
        .map((e) => ({ resource: e.resource, created: e.response.status === '201' }));
      return answer;
    };
    const turn = this.transactions.then(run, run);
    this.transactions = turn.catch(() => {});
    return turn;
  }

  // The repository's whole state, and putting it back: a transaction's undo.
  snapshot() {
    return this.repo.snapshot();
  }

  restore(saved) {
    this.repo.restore(saved);
  }

  answer(status, body, headers = {}) {
    return { status, body, headers: { 'Content-Type': FHIR_JSON, ...headers } };
  }

  // 400 for a body that is not a resource of the path's type, 422 for one
  // that is not valid R4; null when it may be written.
  checkWrite(interaction, type, id, body) {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return this.answer(400, outcomeOf('structure', 'The body must be a FHIR resource in JSON.'));
    }
    if (body.resourceType !== type) {
      return this.answer(400, outcomeOf('invalid', `The body's resourceType must be ${type}, got ${JSON.stringify(body.resourceType)}.`));
    }
    if (interaction === 'update' && body.id !== id) {
      return this.answer(400, outcomeOf('invalid', `The body's id must be ${id}, got ${JSON.stringify(body.id)}.`));
    }
    const issues = validateR4(body);
    if (issues.length) return this.answer(422, outcome(issues));
    return null;
  }

  // Referential integrity, as servers such as HAPI keep it: every relative
  // literal reference (`Patient/x`, not `#contained`, a URL or a urn) in a
  // resource written through the API names a resource on this server; 422
  // naming the first that does not.
  async checkReferences(body) {
    const missing = [];
    const walk = (node, where) => {
      if (Array.isArray(node)) {
        node.forEach((item, i) => walk(item, `${where}[${i}]`));
      } else if (node && typeof node === 'object') {
        const m = typeof node.reference === 'string' && /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(node.reference);
        if (m) missing.push({ type: m[1], id: m[2], where });
        for (const [key, value] of Object.entries(node)) if (typeof value === 'object') walk(value, `${where}.${key}`);
      }
    };
    walk(body, body.resourceType);
    for (const ref of missing) {
      if (ref.type === body.resourceType && ref.id === body.id) continue;
      if (!(await this.read(ref.type, ref.id))) {
        return this.answer(422, outcome([issue('not-found', `${ref.type}/${ref.id} is not on this server.`, ref.where)]));
      }
    }
    return null;
  }

  paging(query) {
    const read = (name, fallback, max) => {
      const text = query.get(name);
      if (text === null) return fallback;
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) return NaN;
      return Math.min(n, max);
    };
    const count = read('_count', DEFAULT_COUNT, MAX_COUNT);
    const offset = read('_offset', 0, Number.MAX_SAFE_INTEGER);
    if (Number.isNaN(count) || Number.isNaN(offset)) {
      return { error: this.answer(400, outcomeOf('invalid', '_count and _offset must be non-negative integers.')) };
    }
    return { count, offset };
  }

  page(bundle, { type, query, count, offset, baseUrl }) {
    const at = (o) => {
      const q = new URLSearchParams(query);
      q.set('_count', String(count));
      if (o) q.set('_offset', String(o));
      else q.delete('_offset');
      return `${baseUrl}/${type}?${q}`;
    };
    const link = [{ relation: 'self', url: at(offset) }];
    if (count > 0 && offset + count < (bundle.total || 0)) link.push({ relation: 'next', url: at(offset + count) });
    if (offset > 0) link.push({ relation: 'previous', url: at(Math.max(0, offset - count)) });
    const entry = (bundle.entry || []).map((e) => ({
      fullUrl: `${baseUrl}/${e.resource.resourceType}/${e.resource.id}`,
      resource: e.resource,
      search: { mode: 'match' },
    }));
    return { resourceType: 'Bundle', type: 'searchset', total: bundle.total || 0, link, ...(entry.length ? { entry } : {}) };
  }
}

module.exports = { FhirService, interactionOf, FHIR_JSON };
