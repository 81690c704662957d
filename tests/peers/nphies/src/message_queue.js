'use strict';
// The exchange's queue of messages a provider collects with poll-request:
// deferred claim and prior-authorisation answers, and what a payer or NPHIES
// sends on its own (communication-request, payment-reconciliation,
// advanced-authorization, error-notice).
//
// Each entry belongs to one provider (its licence) and is handed out to that
// provider only, oldest first (by the time it became due, then by the order
// it was queued), again on every poll until an acknowledgement names its
// MessageHeader id. An entry may be held (`holds` > 0: a communication-request
// about its claim is unanswered); a held entry is not handed out.
//
// Entry fields: bundle, event, provider, headerId, availableAt (ms),
// delivered (count), acknowledged, holds, and whatever the caller adds
// (claimKey, finalState, kind, ...).

class MessageQueue {
  constructor() {
    this.entries = [];
    this.sequence = 0;
  }

  get length() { return this.entries.length; }

  // Adds `entry` (see above) and returns it.
  push(entry) {
    const item = { delivered: 0, acknowledged: false, holds: 0, ...entry, seq: this.sequence++ };
    this.entries.push(item);
    return item;
  }

  // The entries `provider` may collect at `now`: due, not held, not
  // acknowledged, of an included event (every event when `include` is
  // empty) and not an excluded one; oldest first, at most `count`.
  due(provider, { include = [], exclude = [], count = 1 }, now) {
    return this.entries
      .filter((q) => q.provider === provider && !q.acknowledged && q.holds === 0 && q.availableAt <= now &&
        (include.length === 0 || include.includes(q.event)) && !exclude.includes(q.event))
      .sort((a, b) => a.availableAt - b.availableAt || a.seq - b.seq)
      .slice(0, count);
  }

  // The entry of `provider` whose MessageHeader id is `headerId`, or undefined.
  find(provider, headerId) {
    return this.entries.find((q) => q.provider === provider && q.headerId === headerId);
  }

  // The entries for which `predicate` holds.
  where(predicate) { return this.entries.filter(predicate); }

  // Makes every entry not yet due due at `now`; returns how many are not
  // acknowledged.
  release(now) {
    for (const q of this.entries) if (q.availableAt > now) q.availableAt = now;
    return this.entries.filter((q) => !q.acknowledged).length;
  }

  summary(now) {
    return this.entries.map((q) => ({
      event: q.event, provider: q.provider, messageHeaderId: q.headerId, claimIdentifier: q.claimKey,
      ...(q.about ? { about: q.about } : {}),
      available: q.availableAt <= now && q.holds === 0, held: q.holds > 0,
      delivered: q.delivered, acknowledged: q.acknowledged,
    }));
  }
}

module.exports = { MessageQueue };
