'use strict';
// The Twilio peer's faults: the support library's rules (see
// ../../support/src/faults.js) for the REST operations, by Twilio's OpenAPI
// operationId (CreateRoom, FetchRoom, …), plus callback rules that apply to
// the next `count` status callbacks whose StatusCallbackEvent is `event`
// ('*' or absent for any):
//
//   { "callbacks": "duplicate", "count": 2, "event": "room-ended" }  (each sent twice)
//   { "callbacks": "reorder", "count": 3 }  (held until 3 are held, then sent newest first)
//   { "callbacks": "hold", "count": 6 }  (held until POST /_peer/callbacks/flush, then sent newest first)
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
    this.defineRules('callbackRules', {
      recognise: (rule) => rule.callbacks !== undefined,
      parse: (rule) => {
        const count = checkCount(rule.count);
        if (count === null) return 'count must be an integer 1..10000';
        if (!['duplicate', 'reorder', 'hold', 'drop'].includes(rule.callbacks)) {
          return 'callbacks must be duplicate, reorder, hold or drop';
        }
        return { kind: rule.callbacks, remaining: count, event: rule.event || '*', count };
      },
    });
  }

  // The callback rule for this event, consumed; or null.
  takeCallback(event) {
    return this.takeOwn('callbackRules', (r) => r.event === '*' || r.event === event);
  }
}

module.exports = { TwilioFaults, TWILIO_STATUS };
