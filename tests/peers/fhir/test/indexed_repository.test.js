'use strict';
// The identifier index answers exactly what the repository's own scan
// answers (the same resources, order, total and pages) through creates,
// updates that change or drop identifiers, deletes and a transaction's
// undo, and a conditional create with thousands of resources stored
// tests only the candidates.

const test = require('node:test');
const assert = require('node:assert/strict');
const { MemoryRepository } = require('@medplum/fhir-router');
const core = require('@medplum/core');
const { loadDefinitions } = require('../src/r4');
const { IndexedRepository } = require('../src/indexed_repository');

loadDefinitions();

function encounter(id, identifiers) {
  return {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
    identifier: identifiers.map(([system, value]) => ({ system, value })),
  };
}

// A deterministic generator, so a failure replays.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function both(repos, fn) {
  return Promise.all(repos.map(fn));
}

function answerOf(bundle) {
  return { total: bundle.total, ids: (bundle.entry || []).map((e) => e.resource.id) };
}

test('the identifier index answers as the scan does', async () => {
  const next = random(42);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const systems = ['urn:wasl:step', 'urn:wasl:other', 'urn:wasl:STEP'];
  const values = ['k1', 'k2', 'K1', 'k3', 'k 4', 'k|5'];
  const scan = new MemoryRepository();
  const indexed = new IndexedRepository();
  const repos = [scan, indexed];
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  let found = 0;
  for (let step = 0; step < 1500; step++) {
    const roll = next();
    if (roll < 0.5) {
      const identifiers = [];
      const n = Math.floor(next() * 3);
      for (let i = 0; i < n; i++) identifiers.push([pick(systems), pick(values)]);
      const resource = encounter(pick(ids), identifiers);
      await both(repos, (repo) => repo.updateResource(structuredClone(resource)));
    } else if (roll < 0.6) {
      const id = pick(ids);
      await both(repos, (repo) => repo.deleteResource('Encounter', id).catch(() => undefined));
    } else {
      const value = pick(values);
      const forms = [
        `identifier=${pick(systems)}|${value}`,
        `identifier=${value}`,
        `identifier=|${value}`,
        `identifier=${pick(systems)}|${value},${pick(systems)}|${pick(values)}`,
        `identifier=${pick(systems)}|`,
        `identifier:not=${pick(systems)}|${value}`,
        `identifier=${pick(systems)}|${value}&status=finished`,
        `identifier=${pick(systems)}|${value}&_count=1&_offset=1`,
      ];
      const query = pick(forms);
      const request = core.parseSearchRequest(`Encounter?${query.replaceAll(' ', '%20')}`);
      const [expected, got] = await both(repos, (repo) => repo.search(structuredClone(request)));
      assert.deepEqual(answerOf(got), answerOf(expected), `step ${step}: ${query}`);
      found += expected.total;
    }
  }
  assert.ok(found > 400, `the searches found ${found} resources`);
  assert.ok(indexed.indexedSearches > 400, `the index answered ${indexed.indexedSearches} searches`);
});

test('a transaction undo (the repository state put back) keeps the index right', async () => {
  const repo = new IndexedRepository();
  await repo.updateResource(encounter('a', [['urn:wasl:step', 'k1']]));
  await repo.updateResource(encounter('c', [['urn:wasl:step', 'k1']]));
  const saved = repo.snapshot();
  await repo.updateResource(encounter('a', [['urn:wasl:step', 'k2']]));
  await repo.createResource(encounter('b', [['urn:wasl:step', 'k1']]));
  await repo.deleteResource('Encounter', 'a');
  await repo.updateResource(encounter('a', [['urn:wasl:step', 'k1']]));
  assert.deepEqual((await repo.searchResources(core.parseSearchRequest('Encounter?identifier=urn:wasl:step|k1')))
    .map((r) => r.id), ['c', 'b', 'a']);
  repo.restore(saved);
  const found = await repo.searchResources(core.parseSearchRequest('Encounter?identifier=urn:wasl:step|k1'));
  assert.deepEqual(found.map((r) => r.id), ['a', 'c']);
  const gone = await repo.searchResources(core.parseSearchRequest('Encounter?identifier=urn:wasl:step|k2'));
  assert.deepEqual(gone, []);
});

test('a conditional create among thousands stored tests only the candidates', async () => {
  const repo = new IndexedRepository();
  for (let i = 0; i < 3000; i++) await repo.createResource(encounter(undefined, [['urn:wasl:step', `key-${i}`]]));
  const existing = await repo.conditionalCreate(encounter(undefined, [['urn:wasl:step', 'key-1234']]),
    core.parseSearchRequest('Encounter?identifier=urn:wasl:step|key-1234'));
  assert.equal(existing.outcome.id, 'ok');
  const created = await repo.conditionalCreate(encounter(undefined, [['urn:wasl:step', 'key-new']]),
    core.parseSearchRequest('Encounter?identifier=urn:wasl:step|key-new'));
  assert.equal(created.outcome.id, 'created');
  assert.equal(repo.indexedSearches, 2);
  assert.equal(repo.candidatesTested, 1, 'one candidate tested over two conditional creates');
  assert.equal((await repo.search({ resourceType: 'Encounter', count: 0 })).total, 3001);
});
