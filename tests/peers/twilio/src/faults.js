'use strict';
// Faults the tests ask for through POST /_peer/faults. A REST rule applies to
// the next `count` calls of `operation` (Twilio's OpenAPI operationId, e.g.
// CreateRoom, or '*' for any) and is consumed as it fires:
//
//   { "operation": "CreateRoom", "count": 1, "status": 429, "retryAfterSeconds": 2 }
//   { "operation": "CreateRoom", "count": 1, "status": 500, "afterEffect": true }
//       (the call takes effect, then the answer is an error: a lost response)
//   { "operation": "FetchRoom", "count": 2, "delayMs": 1500 }   (slow answer, then normal)
//
// Callback rules apply to the next `count` status callbacks whose
// StatusCallbackEvent is `event` ('*' or absent for any):
//
//   { "callbacks": "duplicate", "count": 2, "event": "room-ended" }  (each sent twice)
//   { "callbacks": "reorder", "count": 3 }  (held until 3 are held, then sent newest first)
//   { "callbacks": "drop", "count": 1, "event": "composition-available" }

const TWILIO_STATUS = {
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
};

function checkCount(value) {
  const count = value === undefined ? 1 : Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 10000) return null;
  return count;
}

class Faults {
  constructor() {
    this.reset();
  }

  reset() {
    this.rules = [];
    this.callbackRules = [];
  }

  // Returns an error string when the rule is malformed.
  add(rule) {
    if (typeof rule !== 'object' || rule === null) return 'a rule is a JSON object';
    const count = checkCount(rule.count);
    if (count === null) return 'count must be an integer 1..10000';
    if (rule.callbacks !== undefined) {
      if (!['duplicate', 'reorder', 'drop'].includes(rule.callbacks)) {
        return 'callbacks must be duplicate, reorder or drop';
      }
      this.callbackRules.push({ kind: rule.callbacks, remaining: count, event: rule.event || '*', count });
      return null;
    }
    if (!rule.operation || typeof rule.operation !== 'string') return 'operation is required';
    if (rule.status !== undefined && !TWILIO_STATUS[rule.status]) return 'status must be 429, 500 or 503';
    if (rule.status === undefined && rule.delayMs === undefined) return 'give status or delayMs';
    const delayMs = rule.delayMs === undefined ? 0 : Number(rule.delayMs);
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60000) return 'delayMs must be 0..60000';
    const retryAfterSeconds = rule.retryAfterSeconds === undefined
      ? (rule.status === 429 || rule.status === 503 ? 1 : undefined)
      : Number(rule.retryAfterSeconds);
    if (retryAfterSeconds !== undefined && (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0)) {
      return 'retryAfterSeconds must be a non-negative integer';
    }
    this.rules.push({
      operation: rule.operation,
      remaining: count,
      status: rule.status,
      retryAfterSeconds,
      afterEffect: Boolean(rule.afterEffect),
      delayMs,
    });
    return null;
  }

  // The rule that fires for this call of `operation`, consumed; or null.
  take(operation) {
    const rule = this.rules.find((r) => r.operation === operation || r.operation === '*');
    if (!rule) return null;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return rule;
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
    return {
      rules: this.rules.map((r) => ({ ...r })),
      callbackRules: this.callbackRules.map((r) => ({ ...r })),
    };
  }
}

module.exports = { Faults, TWILIO_STATUS };
