'use strict';
// IndexedRepository: @medplum/fhir-router's MemoryRepository with a token
// index on `identifier`, as a real FHIR server keeps one.
//
// The in-memory repository answers every search by testing every stored
// resource of the type. A client that writes by conditional create
// (If-None-Exist: identifier=system|value, as the hub's FHIR plugin does
// for each Encounter and DocumentReference) then pays for one scan per
// write, and the peer slows down with everything it has stored. Here a
// search with an exact identifier filter tests only the resources that ever
// carried that identifier value; every other search, and any search with a
// sort, is the repository's own.
//
// The index only grows (an update or delete leaves the old entry), so it
// is a superset of the truth: each candidate is read back from the
// repository and tested against the whole search request, which is what
// keeps the answers identical to a scan. Candidates are answered in the
// order the repository's scan would give: the order each id was stored,
// counted again after a delete.

const { MemoryRepository } = require('@medplum/fhir-router');
const core = require('@medplum/core');

// The identifier values of a resource (Identifier or Identifier[]).
function identifierValues(resource) {
  const found = resource.identifier;
  const list = Array.isArray(found) ? found : (found ? [found] : []);
  const values = [];
  for (const identifier of list) {
    if (identifier && typeof identifier.value === 'string' && identifier.value) values.push(identifier.value);
  }
  return values;
}

// The values an exact identifier filter can match, or null when the index
// cannot answer it (a modifier, an escape, a system with no value).
function filterValues(filter) {
  if (filter.code !== 'identifier' || filter.operator !== core.Operator.EQUALS) return null;
  if (typeof filter.value !== 'string' || filter.value.includes('\\')) return null;
  const values = [];
  for (const token of filter.value.split(',')) {
    const bar = token.indexOf('|');
    const value = bar < 0 ? token : token.slice(bar + 1);
    if (!value) return null;
    values.push(value);
  }
  return values;
}

function keyOf(type, value) {
  // Lower case: a superset whatever case rule the matcher applies.
  return `${type}\u0000${value.toLowerCase()}`;
}

class IndexedRepository extends MemoryRepository {
  constructor() {
    super();
    this.byIdentifier = new Map(); // type NUL lower-cased value → Set of ids
    this.firstStored = new Map(); // type/id → sequence of the first store
    this.sequence = 0;
    this.indexedSearches = 0; // searches the index answered (for tests)
    this.candidatesTested = 0; // resources those searches tested
  }

  clear() {
    super.clear();
    this.byIdentifier.clear();
    this.firstStored.clear();
  }

  // Every write of MemoryRepository (create, update, patch) ends here.
  async createResource(resource, options) {
    const stored = await super.createResource(resource, options);
    const reference = `${stored.resourceType}/${stored.id}`;
    if (!this.firstStored.has(reference)) this.firstStored.set(reference, this.sequence++);
    for (const value of identifierValues(stored)) {
      const key = keyOf(stored.resourceType, value);
      let ids = this.byIdentifier.get(key);
      if (!ids) {
        ids = new Set();
        this.byIdentifier.set(key, ids);
      }
      ids.add(stored.id);
    }
    return stored;
  }

  async deleteResource(resourceType, id) {
    await super.deleteResource(resourceType, id);
    // Stored again later, the id goes to the end, as the repository's map does.
    this.firstStored.delete(`${resourceType}/${id}`);
  }

  // The whole state, and putting it back (a transaction's undo). The
  // identifier index is not put back: it only ever holds more.
  snapshot() {
    return {
      resources: structuredClone(this.resources),
      history: structuredClone(this.history),
      firstStored: new Map(this.firstStored),
    };
  }

  restore(saved) {
    this.resources = saved.resources;
    this.history = saved.history;
    this.firstStored = saved.firstStored;
  }

  async search(request) {
    const values = request.sortRules && request.sortRules.length ? null : this.indexedValues(request);
    if (!values) return super.search(request);
    this.indexedSearches++;
    const { resourceType } = request;
    const stored = this.resources.get(resourceType) || new Map();
    const ids = new Set();
    for (const value of values) {
      for (const id of this.byIdentifier.get(keyOf(resourceType, value)) || []) ids.add(id);
    }
    const order = (id) => this.firstStored.get(`${resourceType}/${id}`) ?? Number.MAX_SAFE_INTEGER;
    const matched = [];
    for (const id of [...ids].sort((a, b) => order(a) - order(b))) {
      const resource = stored.get(id);
      if (resource) this.candidatesTested++;
      if (resource && core.matchesSearchRequest(resource, request)) matched.push(resource);
    }
    let entry = matched.map((resource) => ({ resource: core.deepClone(resource) }));
    if (request.offset !== undefined) entry = entry.slice(request.offset);
    if (request.count !== undefined) entry = entry.slice(0, request.count);
    return { resourceType: 'Bundle', type: 'searchset', entry: entry.length ? entry : undefined, total: matched.length };
  }

  // The identifier values of the search's first exact identifier filter,
  // or null (scan). Every filter is still tested on each candidate.
  indexedValues(request) {
    for (const filter of request.filters || []) {
      const values = filterValues(filter);
      if (values) return values;
    }
    return null;
  }
}

module.exports = { IndexedRepository };
