'use strict';
// Faults the tests ask for through POST /_peer/faults. Each rule applies to
// the next `count` calls of `operation` ('*' for any) and is consumed as it fires.
//
//   { "operation": "CreateMeeting", "count": 1, "status": 503, "retryAfterSeconds": 2 }
//   { "operation": "CreateMeeting", "count": 1, "status": 500, "afterEffect": true }
//       (the call takes effect, then the answer is an error: a lost response)
//   { "operation": "GetObject", "count": 2, "delayMs": 1500 }   (slow answer, then normal)
//   { "dropEvents": 1, "eventType": "chime:MeetingEnded" }     (eventType optional)

const STATUS_KIND = { 429: 'Throttling', 500: 'ServiceFailure', 503: 'ServiceUnavailable' };

class Faults {
  constructor() {
    this.reset();
  }

  reset() {
    this.rules = [];
    this.eventDrops = [];
  }

  // Returns an error string when the rule is malformed.
  add(rule) {
    if (rule.dropEvents !== undefined) {
      const n = Number(rule.dropEvents);
      if (!Number.isInteger(n) || n < 1 || n > 10000) return 'dropEvents must be an integer 1..10000';
      this.eventDrops.push({ remaining: n, eventType: rule.eventType || '*' });
      return null;
    }
    const count = rule.count === undefined ? 1 : Number(rule.count);
    if (!rule.operation || typeof rule.operation !== 'string') return 'operation is required';
    if (!Number.isInteger(count) || count < 1 || count > 10000) return 'count must be an integer 1..10000';
    if (rule.status !== undefined && !STATUS_KIND[rule.status]) return 'status must be 429, 500 or 503';
    if (rule.status === undefined && rule.delayMs === undefined) return 'give status or delayMs';
    const delayMs = rule.delayMs === undefined ? 0 : Number(rule.delayMs);
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60000) return 'delayMs must be 0..60000';
    this.rules.push({
      operation: rule.operation,
      remaining: count,
      status: rule.status,
      kind: STATUS_KIND[rule.status],
      retryAfterSeconds: rule.retryAfterSeconds === undefined
        ? (rule.status === 429 || rule.status === 503 ? 1 : undefined)
        : Number(rule.retryAfterSeconds),
      afterEffect: Boolean(rule.afterEffect),
      delayMs,
    });
    return null;
  }

  // The rule that fires for this call of `operation`, consumed; or null.
  take(operation) {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.operation === operation || r.operation === '*'));
    if (!rule) return null;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule;
  }

  takeEventDrop(eventType) {
    const drop = this.eventDrops.find((d) => d.remaining > 0 && (d.eventType === '*' || d.eventType === eventType));
    if (!drop) return false;
    drop.remaining--;
    this.eventDrops = this.eventDrops.filter((d) => d.remaining > 0);
    return true;
  }

  describe() {
    return {
      rules: this.rules.map(({ operation, remaining, status, retryAfterSeconds, afterEffect, delayMs }) =>
        ({ operation, remaining, status, retryAfterSeconds, afterEffect, delayMs })),
      eventDrops: this.eventDrops.map((d) => ({ ...d })),
    };
  }
}

module.exports = { Faults };
