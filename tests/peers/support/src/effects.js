'use strict';
// What a peer saw, for tests to count: counters (numbers, possibly keyed, e.g.
// roomsCreatedByUniqueName[name]) and records (the received items
// themselves, e.g. each claim bundle), both cleared by reset().
//
// A counter's path is a name or an array of names, so keys may hold any
// character: count(['requests', 'byOperation', 'CreateRoom']).

const MAX_RECORDS = 10000;

function pathOf(path) {
  return Array.isArray(path) ? path.map(String) : [String(path)];
}

class Effects {
  constructor({ maxRecords = MAX_RECORDS } = {}) {
    this.maxRecords = maxRecords;
    this.reset();
  }

  reset() {
    this.counters = {};
    this.recordsByKind = new Map();
  }

  // Adds `by` (default 1) to the counter at `path`; returns the new value.
  count(path, by = 1) {
    const names = pathOf(path);
    let node = this.counters;
    for (const name of names.slice(0, -1)) {
      if (typeof node[name] !== 'object' || node[name] === null) node[name] = {};
      node = node[name];
    }
    const last = names[names.length - 1];
    node[last] = (typeof node[last] === 'number' ? node[last] : 0) + by;
    return node[last];
  }

  // The counter at `path`, 0 when never counted.
  get(path) {
    let node = this.counters;
    for (const name of pathOf(path)) {
      if (typeof node !== 'object' || node === null || !(name in node)) return 0;
      node = node[name];
    }
    return node;
  }

  // Keeps `item` under `kind` with its arrival time and sequence number, and
  // counts it in received[kind]. At most maxRecords are kept per kind (the
  // oldest go first); the counter keeps counting.
  record(kind, item) {
    let list = this.recordsByKind.get(kind);
    if (!list) {
      list = [];
      this.recordsByKind.set(kind, list);
    }
    const seq = this.count(['received', kind]);
    list.push({ seq, at: new Date().toISOString(), item });
    if (list.length > this.maxRecords) list.shift();
  }

  // The records of `kind`, oldest first.
  records(kind) {
    return [...(this.recordsByKind.get(kind) || [])];
  }

  kinds() {
    return [...this.recordsByKind.keys()];
  }

  // A deep copy of every counter (GET /_peer/effects).
  view() {
    return JSON.parse(JSON.stringify(this.counters));
  }
}

module.exports = { Effects };
