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
    this.eventDrops = [];
  }

  reset() {
    super.reset();
    this.eventDrops = [];
  }

  add(rule) {
    if (rule && typeof rule === 'object' && rule.dropEvents !== undefined) {
      const n = Number(rule.dropEvents);
      if (!Number.isInteger(n) || n < 1 || n > 10000) return 'dropEvents must be an integer 1..10000';
      this.eventDrops.push({ remaining: n, eventType: rule.eventType || '*' });
      return null;
    }
    return super.add(rule);
  }

  snapshot() {
    return { ...super.snapshot(), eventDrops: this.eventDrops.map((d) => ({ ...d })) };
  }

  restore(saved) {
    super.restore(saved);
    this.eventDrops = saved.eventDrops;
  }

  takeEventDrop(eventType) {
    const drop = this.eventDrops.find((d) => d.remaining > 0 && (d.eventType === '*' || d.eventType === eventType));
    if (!drop) return false;
    drop.remaining--;
    this.eventDrops = this.eventDrops.filter((d) => d.remaining > 0);
    return true;
  }

  describe() {
    return { ...super.describe(), eventDrops: this.eventDrops.map((d) => ({ ...d })) };
  }
}

module.exports = { ChimeFaults, STATUS_KIND };
