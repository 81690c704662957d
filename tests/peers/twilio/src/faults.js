'use strict';
// The Twilio peer's faults: the support library's rules (see
// ../../support/src/faults.js) for the REST operations, by Twilio's OpenAPI
// operationId (CreateRoom, FetchRoom, …), plus callback rules that apply to
// the next `count` status callbacks whose StatusCallbackEvent is `event`
// ('*' or absent for any):
//
//   { "callbacks": "duplicate", "count": 2, "event": "room-ended" }  (each sent twice)
//   { "callbacks": "reorder", "count": 3 }  (held until 3 are held, then sent newest first)
//   { "callbacks": "drop", "count": 1, "event": "composition-available" }

const { Faults, checkCount } = require('../../support');

// Twilio's error code and message for each injectable status.
const TWILIO_STATUS = {
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
};

class TwilioFaults extends Faults {
  constructor() {
    super({ statuses: [429, 500, 503] });
    this.callbackRules = [];
  }

  reset() {
    super.reset();
    this.callbackRules = [];
  }

  add(rule) {
    if (rule && typeof rule === 'object' && rule.callbacks !== undefined) {
      const count = checkCount(rule.count);
      if (count === null) return 'count must be an integer 1..10000';
      if (!['duplicate', 'reorder', 'drop'].includes(rule.callbacks)) {
        return 'callbacks must be duplicate, reorder or drop';
      }
      this.callbackRules.push({ kind: rule.callbacks, remaining: count, event: rule.event || '*', count });
      return null;
    }
    return super.add(rule);
  }

  snapshot() {
    return { ...super.snapshot(), callbackRules: this.callbackRules.map((r) => ({ ...r })) };
  }

  restore(saved) {
    super.restore(saved);
    this.callbackRules = saved.callbackRules;
  }

  // The callback rule for this event, consumed; or null.
  takeCallback(event) {
    const rule = this.callbackRules.find((r) => r.event === '*' || r.event === event);
    if (!rule) return null;
    rule.remaining--;
    this.callbackRules = this.callbackRules.filter((r) => r.remaining > 0);
    return rule;
  }

  describe() {
    return { ...super.describe(), callbackRules: this.callbackRules.map((r) => ({ ...r })) };
  }
}

module.exports = { TwilioFaults, TWILIO_STATUS };
