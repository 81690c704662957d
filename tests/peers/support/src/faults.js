'use strict';
// Faults a test asks a peer for (POST /_peer/faults). A rule applies to the
// next `count` calls of `operation` (the peer's name for it, '*' for any) and
// is consumed as it fires; rules are tried in the order they were added.
//
//   { "operation": "CreateRoom", "count": 1, "status": 429, "retryAfterSeconds": 2 }
//       fail without effect; 429 and 503 carry Retry-After (default 1 s)
//   { "operation": "CreateRoom", "status": 500, "afterEffect": true }
//       the call takes effect, then the answer is the error (a lost response)
//   { "operation": "FetchRoom", "count": 2, "delayMs": 1500 }
//       the call takes effect, the answer comes late (with status: a late error)
//   { "operation": "SubmitClaim", "hang": true }
//       no answer at all until the client gives up or the peer is reset or
//       stopped (with afterEffect: the call takes effect first)
//   { "operation": "SubmitClaim", "drop": true }            (or "drop": "after")
//       the call takes effect, then the connection is closed with no answer
//   { "operation": "SubmitClaim", "drop": "before" }
//       the connection is closed with no answer, and the call takes no effect
//
// A peer with rules of its own kind (dropped events, reordered callbacks)
// declares each kind with defineRules() and consumes them with takeOwn();
// they are kept, reset, snapshotted and described beside the call rules.

const MAX_COUNT = 10000;
const MAX_DELAY_MS = 60000;  // unless the peer gives maxDelayMs

function checkCount(value) {
  const count = value === undefined ? 1 : Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) return null;
  return count;
}

function delay(ms) {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms).unref()) : Promise.resolve();
}

class Faults {
  // statuses: the error statuses the peer can answer (it knows their bodies).
  // retryAfterStatuses: those that carry Retry-After by default.
  // operations: the operation names a rule may give (besides '*'); any
  // name when not given. maxDelayMs: the longest delayMs a rule may ask.
  constructor({
    statuses = [429, 500, 503], retryAfterStatuses = [429, 503], operations, maxDelayMs = MAX_DELAY_MS,
  } = {}) {
    this.statuses = statuses;
    this.retryAfterStatuses = retryAfterStatuses;
    this.operations = operations;
    this.maxDelayMs = maxDelayMs;
    this.held = new Set();
    this.rules = [];
    this.fired = 0;
    this.ownKinds = [];
    this.own = {};
  }

  // Declares rules of the peer's own kind, kept in the list `name` (shown
  // under that name by describe()): a rule `recognise(rule)` accepts goes to
  // parse(rule), which returns the entry to keep (with `remaining`, the
  // calls it still applies to) or a sentence saying what is malformed.
  defineRules(name, { recognise, parse }) {
    this.ownKinds.push({ name, recognise, parse });
    this.own[name] = [];
    return this;
  }

  // The first entry of the list `name` that `matches`, consumed (a copy,
  // `remaining` already counted down); or null.
  takeOwn(name, matches = () => true) {
    const entry = this.own[name].find((e) => e.remaining > 0 && matches(e));
    if (!entry) return null;
    entry.remaining--;
    this.own[name] = this.own[name].filter((e) => e.remaining > 0);
    return { ...entry };
  }

  copyOwn() {
    return Object.fromEntries(Object.entries(this.own).map(([name, list]) => [name, list.map((e) => ({ ...e }))]));
  }

  // Forgets every rule, releases every hung call (its connection closes)
  // and counts fired rules from 0 again.
  reset() {
    this.rules = [];
    this.fired = 0;
    for (const name of Object.keys(this.own)) this.own[name] = [];
    this.releaseHeld();
  }

  // Adds one rule. Returns null, or a sentence saying what is malformed
  // (then nothing is added).
  add(rule) {
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) return 'a rule is a JSON object';
    const kind = this.ownKinds.find((k) => k.recognise(rule));
    if (kind) {
      const entry = kind.parse(rule);
      if (typeof entry === 'string') return entry;
      this.own[kind.name].push(entry);
      return null;
    }
    const count = checkCount(rule.count);
    if (count === null) return `count must be an integer 1..${MAX_COUNT}`;
    if (!rule.operation || typeof rule.operation !== 'string') return 'operation is required';
    if (this.operations && rule.operation !== '*' && !this.operations.includes(rule.operation)) {
      return `operation must be ${[...this.operations, '*'].join(', ')}`;
    }
    const outcomes = ['status', 'hang', 'drop'].filter((k) => rule[k] !== undefined && rule[k] !== false);
    if (outcomes.length > 1) return 'give one of status, hang and drop';
    if (outcomes.length === 0 && rule.delayMs === undefined) return 'give status, delayMs, hang or drop';
    if (![undefined, false, true, 'after', 'before'].includes(rule.drop)) return 'drop must be true, "after" or "before"';
    const dropBefore = rule.drop === 'before';
    if (dropBefore && rule.afterEffect) return 'drop "before" closes the connection before the effect: no afterEffect';
    if (rule.status !== undefined && !this.statuses.includes(rule.status)) {
      return `status must be one of ${this.statuses.join(', ')}`;
    }
    const delayMs = rule.delayMs === undefined ? 0 : Number(rule.delayMs);
    if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > this.maxDelayMs) {
      return `delayMs must be an integer 0..${this.maxDelayMs}`;
    }
    let retryAfterSeconds;
    if (rule.retryAfterSeconds !== undefined) {
      retryAfterSeconds = Number(rule.retryAfterSeconds);
      if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0) {
        return 'retryAfterSeconds must be a non-negative integer';
      }
    } else if (this.retryAfterStatuses.includes(rule.status)) {
      retryAfterSeconds = 1;
    }
    this.rules.push({
      operation: rule.operation,
      remaining: count,
      status: rule.status,
      retryAfterSeconds,
      afterEffect: Boolean(rule.afterEffect) || (Boolean(rule.drop) && !dropBefore),
      delayMs,
      hang: Boolean(rule.hang),
      // true (after the effect) or 'before'.
      drop: dropBefore ? 'before' : Boolean(rule.drop),
    });
    return null;
  }

  // The body of POST /_peer/faults: one rule, an array of rules, or
  // {"faults": [...]}. All or nothing: null, or what is wrong with which rule.
  addAll(input) {
    let rules = [input];
    if (Array.isArray(input)) rules = input;
    else if (input && Array.isArray(input.faults)) rules = input.faults;
    const saved = this.snapshot();
    for (let i = 0; i < rules.length; i++) {
      const problem = this.add(rules[i]);
      if (problem) {
        this.restore(saved);
        return rules.length > 1 ? `rule ${i + 1}: ${problem}` : problem;
      }
    }
    return null;
  }

  // What add() keeps, for addAll's all-or-nothing.
  snapshot() {
    return { rules: this.rules.map((r) => ({ ...r })), own: this.copyOwn() };
  }

  restore(saved) {
    this.rules = saved.rules;
    this.own = saved.own;
  }

  // The rule that fires for this call of `operation`, consumed (and counted
  // in `fired`); or null.
  take(operation) {
    const rule = this.rules.find((r) => r.operation === operation || r.operation === '*');
    if (!rule) return null;
    this.fired++;
    rule.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return { ...rule };
  }

  // GET /_peer/faults: the rules still pending, how many calls are held, how
  // many rules fired since the last reset, and each list of the peer's own
  // rules under its name.
  describe() {
    return { rules: this.rules.map((r) => ({ ...r })), held: this.held.size, fired: this.fired, ...this.copyOwn() };
  }

  // Runs one call of `operation` under the rule that fires for it, if any:
  //   effect()       does the call (may throw the peer's own error, which
  //                  propagates after the rule's delay) and returns its result;
  //   answer(result) sends the ordinary answer;
  //   fail(rule)     sends the rule's error answer in the peer's format
  //                  (rule.status, rule.retryAfterSeconds) or throws it;
  //   fired(rule)    optional: told as the rule acts (before its delay; after
  //                  the effect when it has one), for the peer's own record.
  // `res` is the call's ServerResponse (for hang and drop).
  async perform(operation, res, { effect, answer, fail, fired = () => {} }) {
    const rule = this.take(operation);
    if (!rule) return answer(await effect());
    if (!rule.afterEffect && (rule.status !== undefined || rule.hang || rule.drop)) {
      fired(rule);
      await delay(rule.delayMs);
      if (rule.hang) return this.hold(res);
      if (rule.drop) return this.drop(res);
      return fail(rule);
    }
    let result;
    try {
      result = await effect();
      fired(rule);
    } finally {
      await delay(rule.delayMs);
    }
    if (rule.hang) return this.hold(res);
    if (rule.drop) return this.drop(res);
    if (rule.status !== undefined) return fail(rule);
    return answer(result);
  }

  // Keeps `res` unanswered until its client goes away or releaseHeld().
  hold(res) {
    return new Promise((resolve) => {
      if (res.destroyed || !res.socket || res.socket.destroyed) {
        resolve();
        return;
      }
      const entry = { res, resolve };
      this.held.add(entry);
      res.on('close', () => {
        this.held.delete(entry);
        resolve();
      });
    });
  }

  // Closes the connection of every held call, unanswered.
  releaseHeld() {
    for (const { res, resolve } of [...this.held]) {
      res.socket?.destroy();
      resolve();
    }
    this.held.clear();
  }

  drop(res) {
    res.socket?.destroy();
  }
}

module.exports = { Faults, checkCount, delay };
