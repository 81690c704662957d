'use strict';
// The exchange's faults: the support library's grammar (tests/peers/support),
// its operation being the message's event code, so a rule names `event`
// ('*' for any) where other peers write `operation`:
//
//   { "event": "claim-request", "count": 1, "status": 500 }        (nothing stored)
//   { "event": "*", "count": 2, "status": 429, "retryAfterSeconds": 1 }
//   { "event": "claim-request", "hang": true }                    (never answered)
//   { "event": "claim-request", "drop": true }                    (processed and stored,
//                                                                   then the connection is cut)
//   { "event": "claim-request", "holdAnswerMs": 60000 }           (processed and stored,
//                                                                   answered that much later)
//
// `holdAnswerMs` is the library's `delayMs` (either may be given, up to
// 600000); 429 carries Retry-After 1 unless the rule says otherwise.

const { Faults } = require('../../support');

const MAX_HOLD_MS = 600000;

class NphiesFaults extends Faults {
  constructor() {
    super({ statuses: [429, 500, 502, 503], retryAfterStatuses: [429], maxDelayMs: MAX_HOLD_MS });
  }

  add(rule) {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return 'a fault is a JSON object';
    const { event, holdAnswerMs, ...rest } = rule;
    if (!event || typeof event !== 'string') return 'event is required (an event code or "*")';
    if (rest.operation !== undefined) return 'name the event with event, not operation';
    if (holdAnswerMs !== undefined && rest.delayMs !== undefined) return 'give holdAnswerMs or delayMs, not both';
    return super.add({ ...rest, operation: event, ...(holdAnswerMs === undefined ? {} : { delayMs: holdAnswerMs }) });
  }

  describe() {
    const { rules, ...rest } = super.describe();
    return { ...rest, rules: rules.map(({ operation, ...r }) => ({ event: operation, ...r })) };
  }
}

module.exports = { NphiesFaults };
