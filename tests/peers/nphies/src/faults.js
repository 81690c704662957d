'use strict';
// Faults the tests ask for through POST /_peer/faults. Each rule applies to
// the next `count` messages of `event` ('*' for any) and is consumed as it fires.
//
//   { "event": "claim-request", "count": 1, "status": 500 }       (nothing stored)
//   { "event": "*", "count": 2, "status": 429, "retryAfterSeconds": 1 }
//   { "event": "claim-request", "count": 1, "hang": true }       (never answered)
//   { "event": "claim-request", "count": 1, "drop": true }       (processed and stored,
//                                                                  then the connection is cut)
//   { "event": "eligibility-request", "count": 1, "delayMs": 500 } (slow, then normal)
//   { "event": "claim-request", "count": 1, "holdAnswerMs": 60000 } (processed and stored,
//                                                                  answered that much later)

const STATUSES = new Set([429, 500, 502, 503]);

class Faults {
  constructor() { this.rules = []; }

  reset() { this.rules = []; }

  // An error string when the rule is malformed.
  add(rule) {
    if (!rule || typeof rule !== 'object') return 'a fault is a JSON object';
    const count = rule.count === undefined ? 1 : Number(rule.count);
    if (!rule.event || typeof rule.event !== 'string') return 'event is required (an event code or "*")';
    if (!Number.isInteger(count) || count < 1 || count > 1000) return 'count must be an integer 1..1000';
    const kinds = ['status', 'hang', 'drop', 'delayMs', 'holdAnswerMs'].filter((k) => rule[k] !== undefined && rule[k] !== false);
    if (kinds.length !== 1) return 'give exactly one of status, hang, drop, delayMs or holdAnswerMs';
    if (rule.status !== undefined && !STATUSES.has(Number(rule.status))) return 'status must be 429, 500, 502 or 503';
    const delayMs = rule.delayMs === undefined ? 0 : Number(rule.delayMs);
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60000) return 'delayMs must be 0..60000';
    const holdAnswerMs = rule.holdAnswerMs === undefined ? 0 : Number(rule.holdAnswerMs);
    if (!Number.isInteger(holdAnswerMs) || holdAnswerMs < 0 || holdAnswerMs > 600000) return 'holdAnswerMs must be 0..600000';
    this.rules.push({
      event: rule.event,
      remaining: count,
      status: rule.status === undefined ? undefined : Number(rule.status),
      retryAfterSeconds: rule.retryAfterSeconds === undefined ? (Number(rule.status) === 429 ? 1 : undefined) : Number(rule.retryAfterSeconds),
      hang: Boolean(rule.hang),
      drop: Boolean(rule.drop),
      delayMs,
      holdAnswerMs,
    });
    return null;
  }

  // The rule that fires for a message of `event`, consumed; or null.
  take(event) {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.event === '*' || r.event === event));
    if (!rule) return null;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule;
  }

  describe() { return this.rules.map((r) => ({ ...r })); }
}

module.exports = { Faults };
