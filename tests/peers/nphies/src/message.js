'use strict';
// Reading a message bundle: its header, focal resource, references between
// entries, and the identifiers the exchange keys on.

const { EVENTS_SYSTEM, TASK_CODE, PROFILE_BASE, PROFILE_VERSION } = require('./nphies_terms');

class Message {
  constructor(bundle) {
    this.bundle = bundle;
    this.entries = Array.isArray(bundle.entry) ? bundle.entry : [];
    const first = this.entries[0] && this.entries[0].resource;
    this.header = first && first.resourceType === 'MessageHeader' ? first : null;
  }

  get id() { return this.bundle.id; }

  // The profile version the Bundle's own nphies-fs profile names (the
  // version its answer is given in), or PROFILE_VERSION without one.
  get version() {
    const prefix = `${PROFILE_BASE}bundle|`;
    const profiles = this.bundle.meta && Array.isArray(this.bundle.meta.profile) ? this.bundle.meta.profile : [];
    const found = profiles.find((p) => typeof p === 'string' && p.startsWith(prefix));
    return found ? found.slice(prefix.length) : PROFILE_VERSION;
  }
  get headerId() { return this.header ? this.header.id : undefined; }

  get event() {
    const coding = this.header && this.header.eventCoding;
    return coding && coding.system === EVENTS_SYSTEM ? coding.code : undefined;
  }

  get sender() {
    const s = this.header && this.header.sender && this.header.sender.identifier;
    return s ? { system: s.system, value: s.value } : {};
  }

  get receiver() {
    const d = this.header && Array.isArray(this.header.destination) && this.header.destination[0];
    const r = d && d.receiver && d.receiver.identifier;
    return r ? { system: r.system, value: r.value } : {};
  }

  get focusReference() {
    const f = this.header && Array.isArray(this.header.focus) && this.header.focus[0];
    return f ? f.reference : undefined;
  }

  // The entry whose fullUrl the header's focus names, or undefined.
  get focal() {
    const ref = this.focusReference;
    if (!ref) return undefined;
    const entry = this.entries.find((e) => e.fullUrl === ref);
    return entry ? entry.resource : undefined;
  }

  // The resource a Reference points at inside this bundle: by fullUrl, or by
  // its "Type/id" tail.
  resolve(reference) {
    const ref = reference && reference.reference;
    if (!ref) return undefined;
    const exact = this.entries.find((e) => e.fullUrl === ref);
    if (exact) return exact.resource;
    const tail = ref.split('/').slice(-2).join('/');
    const loose = this.entries.find((e) => e.resource && `${e.resource.resourceType}/${e.resource.id}` === tail);
    return loose ? loose.resource : undefined;
  }

  all(type) {
    return this.entries.map((e) => e.resource).filter((r) => r && r.resourceType === type);
  }
}

// "system|value" of a resource's first identifier, or undefined.
function businessKey(resource) {
  const id = resource && Array.isArray(resource.identifier) && resource.identifier[0];
  return id && id.value ? `${id.system || ''}|${id.value}` : undefined;
}

// "system|value" of the identifier a Task's focus names (the claim a
// cancel-request or status-check is about), or undefined.
function focusKey(task) {
  const id = task && task.focus && task.focus.identifier;
  return id && id.value ? `${id.system || ''}|${id.value}` : undefined;
}

// The task-code a Task carries (status, cancel, nullify, poll), or undefined.
function taskCode(task) {
  const codings = task && task.code && Array.isArray(task.code.coding) ? task.code.coding : [];
  const found = codings.find((c) => c.system === TASK_CODE);
  return found ? found.code : undefined;
}

module.exports = { Message, businessKey, focusKey, taskCode };
