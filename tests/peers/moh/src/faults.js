'use strict';
// Faults the tests ask for through POST /_peer/faults. Each rule applies to
// the next `count` calls of `operation` ('process-message', 'MeasureReport'
// or '*') and is consumed as it fires.
//
//   { "operation": "*", "count": 2, "status": 503, "retryAfterSeconds": 1 }
//   { "operation": "MeasureReport", "count": 1, "status": 500, "afterEffect": true }
//       (the report is accepted and stored, then the answer is an error: a lost response)
//   { "operation": "process-message", "count": 1, "delayMs": 1500 }   (a slow answer)

const STATUSES = new Set([429, 500, 502, 503, 504]);

class Faults {
  constructor() {
    this.rules = [];
  }

  reset() {
    this.rules = [];
  }

  // Returns an error string when the rule is malformed.
  add(rule) {
    const count = rule.count === undefined ? 1 : Number(rule.count);
    if (!['process-message', 'MeasureReport', '*'].includes(rule.operation)) {
      return 'operation must be process-message, MeasureReport or *';
    }
    if (!Number.isInteger(count) || count < 1 || count > 10000) return 'count must be an integer 1..10000';
    if (rule.status !== undefined && !STATUSES.has(rule.status)) return 'status must be 429, 500, 502, 503 or 504';
    if (rule.status === undefined && rule.delayMs === undefined) return 'give status or delayMs';
    const delayMs = rule.delayMs === undefined ? 0 : Number(rule.delayMs);
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60000) return 'delayMs must be 0..60000';
    this.rules.push({
      operation: rule.operation,
      remaining: count,
      status: rule.status,
      retryAfterSeconds: rule.retryAfterSeconds === undefined ? undefined : Number(rule.retryAfterSeconds),
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

  describe() {
    return this.rules.map(({ operation, remaining, status, retryAfterSeconds, afterEffect, delayMs }) =>
      ({ operation, remaining, status, retryAfterSeconds, afterEffect, delayMs }));
  }
}

module.exports = { Faults };
