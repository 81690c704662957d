'use strict';
// The exchange's behaviour, without HTTP: validate a message, replay the
// stored answer to a duplicate (same Bundle id, or same business identifier
// of the focal Claim / CoverageEligibilityRequest / Communication /
// PaymentNotice), adjudicate from the configured rules, queue answers and
// the payer's own messages for poll-request, take acknowledgements, cancel
// and nullify claims, answer status-checks from the store, take
// communications (communications.js), payment-notices (payments.js) and
// batches (batches.js), and record everything received.
//
// process(bundle, context) -> { status, body } where body is a FHIR resource;
// context: { client (certificate CN), bytes (the body's size as received) }.

const { Message, businessKey, focusKey, taskCode } = require('./message');
const { validateR4 } = require('./r4_validation');
const { envelopeIssues, businessErrors, priorClaims } = require('./nphies_rules');
const responses = require('./responses');
const { MessageQueue } = require('./message_queue');
const payerMessages = require('./payer_messages');
const payerRules = require('./payer_rules');
const { Communications } = require('./communications');
const { Payments } = require('./payments');
const { Batches } = require('./batches');
const { batchSizeIssue, batchIssues } = require('./batch_rules');

const CLAIM_EVENTS = new Set(['claim-request', 'priorauth-request']);
// The events whose resend is known by the focal resource's identifier too.
const KEYED_EVENTS = new Set(['claim-request', 'priorauth-request', 'eligibility-request', 'communication', 'payment-notice']);
const DEFAULT_RULES = {
  eligibility: 'eligible', // eligible | not-inforce | no-member
  claim: { outcome: 'approve', queueSeconds: 0, then: 'approve' }, // approve | reject | partial | queue
  priorauth: null, // as claim, or null: priorauth-requests follow the claim rule
};
const OUTCOME_KIND = { approve: 'approved', reject: 'rejected', partial: 'partial' };

// The benefit (SAR) the ClaimResponse of a claim-response message approves.
function benefitOf(bundle) {
  const response = bundle.entry[1].resource;
  const total = (response.total || []).find((t) => t.category.coding[0].code === 'benefit');
  return total ? total.amount.value : 0;
}

// The preAuthRef an approved or partial prior authorization's answer
// issued; undefined for any other answer.
function issuedPreAuthRef(bundle) {
  return bundle.entry[1].resource.preAuthRef;
}

// The preAuthRef a claim carries (its first insurance's), or undefined.
function carriedPreAuthRef(focal) {
  const insurance = (focal.insurance || [])[0] || {};
  return (insurance.preAuthRef || [])[0];
}

// The adjudication rule `value` names ({outcome, queueSeconds, then}), with
// its defaults; its problems (named after `name`) are added to `problems`.
function adjudicationRule(name, value, problems) {
  if (!value || !['approve', 'reject', 'partial', 'queue'].includes(value.outcome)) {
    problems.push(`${name}.outcome must be approve, reject, partial or queue`);
    return undefined;
  }
  if (value.outcome === 'queue') {
    if (!['approve', 'reject', 'partial'].includes(value.then || 'approve')) problems.push(`${name}.then must be approve, reject or partial`);
    const s = value.queueSeconds === undefined ? 0 : Number(value.queueSeconds);
    if (!Number.isFinite(s) || s < 0 || s > 3600) problems.push(`${name}.queueSeconds must be 0..3600`);
  }
  return { outcome: value.outcome, queueSeconds: Number(value.queueSeconds || 0), then: value.then || 'approve' };
}

class Exchange {
  constructor(options) {
    this.options = {
      providers: options.providers,
      payers: options.payers,
      serviceSystems: options.serviceSystems,
      now: options.now || (() => Date.now()),
      validateR4: options.validateR4 !== false,
    };
    this.startRules = JSON.parse(JSON.stringify(DEFAULT_RULES));
    this.communications = new Communications(this);
    this.payments = new Payments(this);
    this.batches = new Batches(this);
    this.reset();
    if (options.rules) {
      const problems = this.setRules(options.rules);
      if (problems.length) throw new Error(problems.join('; '));
      this.startRules = JSON.parse(JSON.stringify(this.rules));
    }
  }

  // Forgets everything but the rules the exchange started with.
  reset() {
    this.rules = JSON.parse(JSON.stringify(this.startRules));
    this.byBundleId = new Map(); // Bundle.id -> { status, body, event, key }
    this.byBusinessKey = new Map(); // event + "|" + system|value -> stored answer
    this.claims = new Map(); // claim key -> { key, state, submissions, duplicates, statusChecks, ... }
    this.claimMessages = new Map(); // claim key -> the Message of the claim-request accepted
    this.queue = new MessageQueue(); // what providers collect with poll-request
    this.eligibility = new Set(); // keys of eligibility responses issued
    this.received = [];
    this.communications.reset();
    this.payments.reset();
    this.batches.reset();
  }

  // Sets the rules `rules` names (eligibility, claim, priorauth), all or
  // none: returns the problems, empty when they were set.
  setRules(rules) {
    const problems = [];
    if (rules.eligibility !== undefined) {
      if (!['eligible', 'not-inforce', 'no-member'].includes(rules.eligibility)) {
        problems.push('eligibility must be eligible, not-inforce or no-member');
      }
    }
    const claim = rules.claim === undefined ? undefined : adjudicationRule('claim', rules.claim, problems);
    const priorauth = rules.priorauth === undefined || rules.priorauth === null ? rules.priorauth
      : adjudicationRule('priorauth', rules.priorauth, problems);
    if (problems.length) return problems;
    if (rules.eligibility !== undefined) this.rules.eligibility = rules.eligibility;
    if (claim !== undefined) this.rules.claim = claim;
    if (priorauth !== undefined) this.rules.priorauth = priorauth;
    return [];
  }

  // The rule a claim-request (or priorauth-request) is adjudicated by: a
  // priorauth-request follows the claim rule unless a priorauth rule is set.
  ruleFor(event) {
    return event === 'priorauth-request' && this.rules.priorauth ? this.rules.priorauth : this.rules.claim;
  }

  // Makes every queued answer available to poll-request now.
  releaseQueue() {
    return this.queue.release(this.options.now());
  }

  record(entry) {
    this.received.push({ at: new Date(this.options.now()).toISOString(), ...entry });
  }

  // A stored answer for a resend, or undefined.
  replayFor(message) {
    if (message.id && this.byBundleId.has(message.id)) return { via: 'bundle-id', answer: this.byBundleId.get(message.id) };
    const key = this.focalKey(message);
    if (key && this.byBusinessKey.has(key)) return { via: 'business-identifier', answer: this.byBusinessKey.get(key) };
    return undefined;
  }

  focalKey(message) {
    const focal = message.focal;
    if (!focal || !KEYED_EVENTS.has(message.event)) return undefined;
    const k = businessKey(focal);
    return k ? `${message.event}|${k}` : undefined;
  }

  store(message, answer) {
    if (message.id) this.byBundleId.set(message.id, answer);
    const key = this.focalKey(message);
    if (key) this.byBusinessKey.set(key, answer);
  }

  // The whole handling of one POSTed body (already parsed JSON).
  process(bundle, context = {}) {
    const now = this.options.now();
    if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
      this.record({ event: null, outcome: 'rejected', reason: 'not a Bundle', client: context.client });
      return { status: 400, body: responses.operationOutcome([{ severity: 'error', code: 'structure', details: { text: 'the body must be a FHIR Bundle of type message' } }]) };
    }
    const message = new Message(bundle);
    const base = {
      bundleId: message.id, messageHeaderId: message.headerId, event: message.event || null,
      sender: message.sender.value, client: context.client,
    };
    const claimKey = CLAIM_EVENTS.has(message.event) && message.focal ? businessKey(message.focal) : undefined;
    if (claimKey) base.claimIdentifier = claimKey;
    if (message.event === 'status-check' && focusKey(message.focal)) base.claimIdentifier = focusKey(message.focal);
    if (message.event === 'communication' && message.focal) {
      const c = message.focal;
      if (businessKey(c)) base.communicationIdentifier = businessKey(c);
      const about = Array.isArray(c.about) && c.about[0] && c.about[0].identifier;
      if (about && about.value) base.claimIdentifier = `${about.system || ''}|${about.value}`;
    }

    const replay = this.replayFor(message);
    if (replay) {
      this.record({ ...base, outcome: 'duplicate', via: replay.via });
      if (claimKey && this.claims.has(claimKey)) this.claims.get(claimKey).duplicates++;
      if (message.event === 'communication') this.communications.duplicate(message);
      if (message.event === 'payment-notice') this.payments.duplicate(message);
      return { status: replay.answer.status, body: replay.answer.body, duplicate: true };
    }

    const oversize = message.event === 'batch-request' ? batchSizeIssue(message) : null;
    if (oversize) {
      this.record({ ...base, outcome: 'rejected', reason: 'batch size', issues: [oversize.details.text] });
      return { status: 400, body: responses.operationOutcome([oversize]) };
    }
    if (this.options.validateR4) {
      const r4 = validateR4(bundle);
      if (r4.length) {
        this.record({ ...base, outcome: 'rejected', reason: 'R4', issues: r4.map((i) => i.details.text) });
        return { status: 400, body: responses.operationOutcome(r4) };
      }
    }
    const envelope = envelopeIssues(message, { maxIssues: 20 });
    if (!envelope.length && message.event === 'batch-request') envelope.push(...batchIssues(message).slice(0, 20));
    if (envelope.length) {
      this.record({ ...base, outcome: 'rejected', reason: 'NPHIES', issues: envelope.map((i) => i.details.text) });
      return { status: 400, body: responses.operationOutcome(envelope.map((i) => ({ ...i, expression: i.expression || undefined }))) };
    }

    let answer;
    const refused = ['poll-request', 'cancel-request', 'status-check'].includes(message.event)
      ? businessErrors(message, this.options_for_rules(context)) : [];
    if (refused.length) {
      answer = {
        status: 200, transient: true, outcome: 'rejected', errors: refused,
        body: responses.taskResponse(message, message.event === 'status-check' ? 'status-response'
          : message.event.replace('-request', '-response'), now, 'rejected', undefined, refused),
      };
      this.record({ ...base, outcome: answer.outcome, errors: refused });
      return answer;
    }
    switch (message.event) {
      case 'poll-request': answer = this.poll(message, now); break;
      case 'acknowledgement': answer = this.acknowledge(message, now); break;
      case 'cancel-request': answer = this.cancel(message, now); break;
      case 'status-check': answer = this.status(message, now); break;
      case 'communication':
        answer = this.communications.answer(message, businessErrors(message, this.options_for_rules(context)),
          context.bytes === undefined ? Buffer.byteLength(JSON.stringify(bundle)) : context.bytes, now);
        break;
      case 'batch-request':
        answer = this.batches.take(message, businessErrors(message, this.options_for_rules(context)), context, now);
        break;
      case 'payment-notice':
        answer = this.payments.notice(message, businessErrors(message, this.options_for_rules(context)), now);
        break;
      default: answer = this.request(message, now, claimKey, base, context); break;
    }
    if (!answer.transient) this.store(message, answer);
    this.record({ ...base, outcome: answer.outcome || 'answered', errors: answer.errors });
    return answer;
  }

  options_for_rules(context = {}) {
    return {
      client: context.client,
      providers: this.options.providers,
      payers: this.options.payers,
      serviceSystems: this.options.serviceSystems,
      knownEligibility: (key) => this.eligibility.has(key),
      claim: (key) => this.claims.get(key),
    };
  }

  request(message, now, claimKey, base, context) {
    const errors = businessErrors(message, this.options_for_rules(context));
    if (message.event === 'eligibility-request') {
      let decision;
      if (errors.length) decision = { kind: 'error', errors };
      else if (this.rules.eligibility === 'no-member') decision = { kind: 'error', errors: ['noMember'] };
      else decision = { kind: this.rules.eligibility };
      const body = responses.eligibilityResponse(message, decision, now);
      const cer = body.entry[1].resource;
      const id = cer.identifier[0];
      this.eligibility.add(`${id.system}|${id.value}`);
      return { status: 200, body, outcome: decision.kind, errors: decision.errors };
    }
    const use = message.focal.use === 'preauthorization' ? 'preauthorization' : 'claim';
    const claim = {
      key: claimKey, event: message.event, use, state: 'received', submissions: 1, duplicates: 0, statusChecks: 0,
      bundleId: base.bundleId, messageHeaderId: base.messageHeaderId, sender: base.sender,
    };
    if (use === 'claim' && carriedPreAuthRef(message.focal)) claim.preAuthRef = carriedPreAuthRef(message.focal);
    if (claimKey) this.claims.set(claimKey, claim);
    if (claimKey && !errors.length) {
      this.claimMessages.set(claimKey, message);
      for (const key of priorClaims(message.focal)) {
        const prior = this.claims.get(key);
        prior.resubmittedAs = [...(prior.resubmittedAs || []), claimKey];
        claim.resubmissionOf = key;
      }
    }
    if (errors.length) {
      claim.state = 'error';
      claim.errors = errors;
      return { status: 200, body: responses.claimResponse(message, { kind: 'error', errors }, now, use), outcome: 'error', errors };
    }
    const rule = this.ruleFor(message.event);
    const asks = claimKey ? this.communications.takeFor(message) : [];
    if (rule.outcome === 'queue' || asks.length) {
      // The requests about the claim go first: the provider answers them
      // before the claim's answer is due.
      for (const ask of asks) this.communications.send(ask, claimKey, now).holdsAnswer = true;
      const outcome = rule.outcome === 'queue' ? rule.then : rule.outcome;
      const final = responses.claimResponse(message, { kind: OUTCOME_KIND[outcome] }, now, use);
      this.queue.push({
        bundle: final, availableAt: now + (rule.outcome === 'queue' ? rule.queueSeconds * 1000 : 0),
        provider: message.sender.value, claimKey, kind: 'answer',
        event: use === 'preauthorization' ? 'priorauth-response' : 'claim-response',
        headerId: final.entry[0].resource.id, finalState: OUTCOME_KIND[outcome], holds: asks.length,
      });
      claim.state = 'queued';
      claim.finalState = OUTCOME_KIND[outcome];
      claim.benefit = benefitOf(final);
      if (use === 'preauthorization' && issuedPreAuthRef(final)) claim.issuedPreAuthRef = issuedPreAuthRef(final);
      return { status: 200, body: responses.claimResponse(message, { kind: 'queued' }, now, use), outcome: 'queued' };
    }
    claim.state = OUTCOME_KIND[rule.outcome];
    const body = responses.claimResponse(message, { kind: claim.state }, now, use);
    claim.benefit = benefitOf(body);
    if (use === 'preauthorization' && issuedPreAuthRef(body)) claim.issuedPreAuthRef = issuedPreAuthRef(body);
    return { status: 200, body, outcome: claim.state };
  }

  // Replaces the final answer a queue entry holds for its claim by one of
  // `outcome` (approve, reject, partial), not yet handed out.
  decide(entry, outcome, now) {
    const kind = OUTCOME_KIND[outcome];
    if (entry.finalState === kind) return;
    const message = this.claimMessages.get(entry.claimKey);
    const claim = this.claims.get(entry.claimKey);
    entry.bundle = responses.claimResponse(message, { kind }, now, claim.use);
    entry.headerId = entry.bundle.entry[0].resource.id;
    entry.finalState = kind;
    claim.finalState = kind;
    claim.benefit = benefitOf(entry.bundle);
  }

  poll(message, now) {
    const task = message.focal;
    const inputs = Array.isArray(task.input) ? task.input : [];
    const input = (code) => inputs.filter((i) => i.type && (i.type.coding || []).some((c) => c.code === code));
    const include = input('include-message-type').map((i) => i.valueCode);
    const exclude = input('exclude-message-type').map((i) => i.valueCode);
    const countInput = input('count')[0];
    const count = countInput ? countInput.valuePositiveInt : 1;
    if (!Number.isInteger(count) || count < 1 || count > 100) {
      return {
        status: 400, transient: true, outcome: 'rejected', errors: ['pollCount'],
        body: responses.operationOutcome([{ severity: 'error', code: 'business-rule', details: { text: 'count must be 1..100 (a poll asks for at most 100 messages)' }, expression: ['Task.input'] }]),
      };
    }
    const ready = this.queue.due(message.sender.value, { include, exclude, count }, now);
    for (const q of ready) q.delivered++;
    // A poll is answered afresh each time; it is never replayed.
    return { status: 200, transient: true, body: responses.pollResponse(message, ready.map((q) => q.bundle), now), outcome: `polled ${ready.length}` };
  }

  acknowledge(message, now) {
    const id = message.header.response && message.header.response.identifier;
    const q = this.queue.find(message.sender.value, id);
    if (q && !q.acknowledged) {
      q.acknowledged = true;
      const claim = q.claimKey && this.claims.get(q.claimKey);
      if (claim && claim.state === 'queued') claim.state = q.finalState;
    }
    return { status: 200, transient: true, body: responses.acknowledgementResponse(message, now), outcome: q ? 'acknowledged' : 'acknowledged-unknown' };
  }

  // cancel-request: Task.code `cancel` withdraws a claim (its queued answer
  // is dropped); `nullify` reverses an adjudicated one (approved, partial or
  // rejected, paid or not). The cancel-response Task is completed, or
  // rejected with the reason's codes.
  cancel(message, now) {
    const key = focusKey(message.focal);
    const claim = key && this.claims.get(key);
    const nullify = taskCode(message.focal) === 'nullify';
    let refusal;
    if (!claim || claim.sender !== message.sender.value) refusal = 'cancelUnknown';
    else if (claim.state === 'nullified') refusal = 'alreadyNullified';
    else if (nullify && !['approved', 'partial', 'rejected'].includes(claim.state)) refusal = 'notAdjudicated';
    if (refusal) {
      return { status: 200, body: responses.taskResponse(message, 'cancel-response', now, 'rejected', undefined, [refusal]), outcome: 'rejected', errors: [refusal] };
    }
    if (nullify) {
      claim.nullified = { from: claim.state, at: new Date(now).toISOString() };
      claim.state = 'nullified';
    } else {
      claim.state = 'cancelled';
      for (const q of this.queue.where((item) => item.claimKey === key)) q.acknowledged = true;
    }
    return { status: 200, body: responses.taskResponse(message, 'cancel-response', now, 'completed'), outcome: claim.state };
  }

  // status-check: whether the exchange holds the claim the Task's focus
  // names, stored from this provider: `queued` while its answer waits in the
  // queue unacknowledged, `complete` once adjudicated (approved, rejected,
  // partial, error; a cancelled claim too), its stored answer replayed to a
  // resend. Answered afresh each time, never replayed.
  status(message, now) {
    const key = focusKey(message.focal);
    const claim = key && this.claims.get(key);
    if (!claim || claim.sender !== message.sender.value) {
      return { status: 200, transient: true, body: responses.statusResponse(message, now, null), outcome: 'not-held' };
    }
    claim.statusChecks++;
    const held = claim.state === 'queued' ? 'queued' : 'complete';
    return { status: 200, transient: true, body: responses.statusResponse(message, now, held), outcome: held };
  }

  // The claims accepted (not answered with errors) whose Claim identifier
  // value is `value`, whatever its system.
  findClaims(value) {
    return [...this.claims.values()].filter((c) => c.key.slice(c.key.indexOf('|') + 1) === value && this.claimMessages.has(c.key));
  }

  // What the control API gives parse functions of payer_rules.js.
  ruleContext() {
    return { providers: this.options.providers, payers: this.options.payers, now: this.options.now() };
  }

  // Puts a message of the payer's (or NPHIES') own in the queue for
  // `provider`, due now, and returns the queue entry.
  queueOwnMessage(provider, bundle, extra = {}) {
    return this.queue.push({
      bundle, provider, event: bundle.entry[0].resource.eventCoding.code, headerId: bundle.entry[0].resource.id,
      availableAt: this.options.now(), ...extra,
    });
  }

  // Queues `count` claim-responses (or priorauth-responses) for `provider`
  // that answer nothing it sent: { problems } or { queued, messageHeaderIds }.
  queueOrphans(body) {
    const { problems, rule } = payerRules.parseOrphans(body, this.ruleContext());
    if (problems.length) return { problems };
    const ids = [];
    for (let n = 1; n <= rule.count; n++) {
      const bundle = payerMessages.orphanResponseMessage({ ...rule, n }, this.options.now());
      ids.push(this.queueOwnMessage(rule.provider, bundle, { about: 'orphan' }).headerId);
    }
    return { problems, queued: ids.length, messageHeaderIds: ids };
  }

  // Queues an error-notice from NPHIES: { problems } or { messageHeaderId }.
  queueErrorNotice(body) {
    const { problems, rule } = payerRules.parseErrorNotice(body, this.ruleContext());
    if (problems.length) return { problems };
    const bundle = payerMessages.errorNoticeMessage(rule, this.options.now());
    return { problems, messageHeaderId: this.queueOwnMessage(rule.provider, bundle, { about: rule.about }).headerId };
  }

  // Queues an advanced-authorization: { problems } or { messageHeaderId,
  // identifier, preAuthRef }.
  queueAdvancedAuthorization(body) {
    const { problems, rule } = payerRules.parseAdvancedAuthorization(body, this.ruleContext());
    if (problems.length) return { problems };
    const now = this.options.now();
    const preAuthRef = rule.preAuthRef || `AA-${now.toString(36).toUpperCase()}-${this.queue.length + 1}`;
    const bundle = payerMessages.advancedAuthorizationMessage({ ...rule, preAuthRef }, now);
    const entry = this.queueOwnMessage(rule.provider, bundle, { about: preAuthRef });
    const authorization = bundle.entry[1].resource;
    return { problems, messageHeaderId: entry.headerId, identifier: authorization.identifier[0], preAuthRef };
  }

  claimSummaries() {
    return [...this.claims.values()].map((c) => {
      const held = this.queue.where((q) => q.kind === 'answer' && q.claimKey === c.key && !q.acknowledged && q.holds > 0);
      return { ...c, ...(c.communicationRequests ? { answerHeld: held.length > 0 } : {}) };
    });
  }

  queueSummary() {
    return this.queue.summary(this.options.now());
  }
}

module.exports = { Exchange };
