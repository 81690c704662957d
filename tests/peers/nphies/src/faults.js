'use strict';
// The exchange's faults: the support library's grammar (tests/peers/support),
// its operation being the message's event code, so a rule names `event`
// ('*' for any) where other peers write `operation`:
//
//   { "event": "claim-request", "count": 1, "status": 500 }        (nothing stored)
//   { "event": "*", "count": 2, "status": 429, "retryAfterSeconds": 1 }
//   { "event": "claim-request", "status": 408 }                    (nothing stored;
//                                                                   the connection closes)
//   { "event": "claim-request", "status": 504, "afterEffect": true } (stored, then 504)
//   { "event": "claim-request", "hang": true }                    (never answered)
//   { "event": "claim-request", "drop": "before" }                (nothing stored,
//                                                                   the connection is cut)
//   { "event": "claim-request", "drop": true }                    (or "after": processed and
//                                                                   stored, then the connection
//                                                                   is cut)
//   { "event": "claim-request", "holdAnswerMs": 60000 }           (processed and stored,
//                                                                   answered that much later)
//
// `holdAnswerMs` is the library's `delayMs` (either may be given, up to
// 600000); 429 carries Retry-After 1 unless the rule says otherwise. A 408
// says the exchange never read the request, so it takes no afterEffect.
//
// And one rule of the exchange's own, before any message is read:
//
//   { "connectTimeout": true, "count": 2, "closeAfterMs": 30000 }
//
// the next `count` TCP connections are accepted but their TLS handshake is
// never answered, so the client's connection never completes; each is
// closed after `closeAfterMs` (default and at most 600000), at a reset, or
// when the peer stops. It names no event (or "*"): none is known yet.

const { Faults, checkCount } = require('../../support');

const MAX_HOLD_MS = 600000;
const CONNECT_TIMEOUT_KEYS = new Set(['connectTimeout', 'count', 'closeAfterMs', 'event']);

function parseConnectTimeout(rule) {
  if (rule.connectTimeout !== true) return 'connectTimeout must be true';
  const extra = Object.keys(rule).filter((k) => !CONNECT_TIMEOUT_KEYS.has(k));
  if (extra.length) return `a connectTimeout rule takes count and closeAfterMs only, not ${extra.join(', ')}`;
  if (rule.event !== undefined && rule.event !== '*') {
    return 'a connectTimeout fires before any message is read: it names no event (or "*")';
  }
  const count = checkCount(rule.count);
  if (count === null) return 'count must be an integer 1..10000';
  const closeAfterMs = rule.closeAfterMs === undefined ? MAX_HOLD_MS : Number(rule.closeAfterMs);
  if (!Number.isInteger(closeAfterMs) || closeAfterMs < 0 || closeAfterMs > MAX_HOLD_MS) {
    return `closeAfterMs must be an integer 0..${MAX_HOLD_MS}`;
  }
  return { remaining: count, closeAfterMs };
}

class NphiesFaults extends Faults {
  constructor() {
    super({ statuses: [408, 429, 500, 502, 503, 504], retryAfterStatuses: [429], maxDelayMs: MAX_HOLD_MS });
    this.defineRules('connectTimeouts', {
      recognise: (rule) => rule.connectTimeout !== undefined,
      parse: parseConnectTimeout,
    });
    this.stalled = new Set(); // sockets whose TLS handshake is held
  }

  add(rule) {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return 'a fault is a JSON object';
    if (rule.connectTimeout !== undefined) return super.add(rule);
    const { event, holdAnswerMs, ...rest } = rule;
    if (!event || typeof event !== 'string') return 'event is required (an event code or "*")';
    if (rest.operation !== undefined) return 'name the event with event, not operation';
    if (holdAnswerMs !== undefined && rest.delayMs !== undefined) return 'give holdAnswerMs or delayMs, not both';
    if (rest.status === 408 && rest.afterEffect) return 'a 408 says the request was never read: it takes no afterEffect';
    return super.add({ ...rest, operation: event, ...(holdAnswerMs === undefined ? {} : { delayMs: holdAnswerMs }) });
  }

  // For a new TCP connection to the exchange: the connectTimeout rule that
  // fires for it (consumed, counted in `fired`), or null.
  takeConnectTimeout() {
    const rule = this.takeOwn('connectTimeouts');
    if (rule) this.fired++;
    return rule;
  }

  // Keeps `socket` open and unanswered (its handshake never starts: what
  // the client sends is read and discarded, so its leaving is seen) until
  // `closeAfterMs` has passed, its client goes away, or releaseHeld().
  stall(socket, closeAfterMs) {
    this.stalled.add(socket);
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), closeAfterMs);
    timer.unref();
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      this.stalled.delete(socket);
    });
  }

  // Closes every held call and every stalled connection.
  releaseHeld() {
    super.releaseHeld();
    for (const socket of this.stalled) socket.destroy();
    this.stalled.clear();
  }

  describe() {
    const { rules, ...rest } = super.describe();
    return {
      ...rest,
      rules: rules.map(({ operation, ...r }) => ({ event: operation, ...r })),
      stalled: this.stalled.size,
    };
  }
}

module.exports = { NphiesFaults };
