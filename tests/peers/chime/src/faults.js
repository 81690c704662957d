'use strict';
// The Chime peer's faults: the support library's rules (see
// ../../support/src/faults.js) for the AWS operations, plus dropped events:
//
//   { "operation": "CreateMeeting", "count": 1, "status": 503, "retryAfterSeconds": 2 }
//   { "dropEvents": 1, "eventType": "chime:MeetingEnded" }     (eventType optional)

const { Faults } = require('../../support');

// The AwsError kind each injectable status answers with.
const STATUS_KIND = { 429: 'Throttling', 500: 'ServiceFailure', 503: 'ServiceUnavailable' };

class ChimeFaults extends Faults {
  constructor() {
    super({ statuses: [429, 500, 503] });
    this.defineRules('eventDrops', {
      recognise: (rule) => rule.dropEvents !== undefined,
      parse: (rule) => {
        const n = Number(rule.dropEvents);
        if (!Number.isInteger(n) || n < 1 || n > 10000) return 'dropEvents must be an integer 1..10000';
        return { remaining: n, eventType: rule.eventType || '*' };
      },
    });
  }

  // Whether a drop rule takes this event (and is counted down).
  takeEventDrop(eventType) {
    return this.takeOwn('eventDrops', (d) => d.eventType === '*' || d.eventType === eventType) !== null;
  }
}

module.exports = { ChimeFaults, STATUS_KIND };
