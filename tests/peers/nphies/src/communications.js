'use strict';
// The payer's requests for information about a claim
// (communication-request, collected by poll) and the provider's answers
// (communication, acknowledged at once).
//
// A request is asked for on the control API about a claim (by its Claim
// identifier value, or the next claim a provider sends). While it is
// unanswered, the claim's own answer is held: the claim is answered
// `queued`, its final answer (the claim rule's outcome) waits in the queue
// without being handed out, and a status-check says queued. A valid
// communication whose basedOn names the request answers it; when every
// request about the claim is answered, the final answer becomes due (at the
// earliest when the claim rule's queue time has passed). A `not-done`
// answer turns the final answer into the request's `notDone` outcome.

const { parseCommunicationRequest } = require('./payer_rules');
const { communicationRequestMessage, PAYER_BASE } = require('./payer_messages');
const { communicationErrors, attachmentsOf, identifierKey } = require('./communication_rules');
const { businessKey } = require('./message');
const responses = require('./responses');

class Communications {
  // `exchange` gives the store: options.now(), queue, claims (key -> record),
  // claimMessages (key -> Message), decide(key, outcome) (replaces a held
  // claim's final answer).
  constructor(exchange) {
    this.exchange = exchange;
    this.reset();
  }

  reset() {
    this.waiting = []; // rules whose claim has not arrived yet
    this.requests = new Map(); // "system|value" of the request identifier -> record
    this.answers = new Map(); // "system|value" of the Communication identifier -> record
    this.count = 0;
  }

  // The control API's rule: { problems } or { problems: [], request } where
  // request says the identifier and `state` (`waiting` for its claim, or
  // `queued`) and whether it holds the claim's answer.
  add(body) {
    const ex = this.exchange;
    const { problems, rule } = parseCommunicationRequest(body, ex.ruleContext());
    if (problems.length) return { problems };
    const ask = { ...rule, identifier: { system: `${PAYER_BASE}/communication-request`, value: this.nextValue() } };
    const held = rule.match.claim !== undefined ? this.heldClaim(rule.match.claim) : undefined;
    if (!held) {
      this.waiting.push(ask);
      return { problems, request: { identifier: ask.identifier, state: 'waiting', holdsAnswer: false } };
    }
    const answer = ex.queue.where((q) => q.kind === 'answer' && q.claimKey === held.key && !q.acknowledged)[0];
    const record = this.send(ask, held.key, ex.options.now());
    if (answer) answer.holds++;
    record.holdsAnswer = Boolean(answer);
    return { problems, request: this.summary(record) };
  }

  nextValue() {
    this.count++;
    return `CR-${Date.now().toString(36)}-${this.count}`;
  }

  // The claim the exchange holds whose Claim identifier value is `value`.
  heldClaim(value) {
    return this.exchange.findClaims(value)[0];
  }

  // The waiting rules the claim `message` (accepted, not yet adjudicated)
  // answers, taken out of the waiting list.
  takeFor(message) {
    const value = message.focal.identifier[0].value;
    const matches = this.waiting.filter((a) => a.match.claim === value || a.match.nextClaimFrom === message.sender.value);
    this.waiting = this.waiting.filter((a) => !matches.includes(a));
    return matches;
  }

  // Queues the communication-request `ask` about the claim `claimKey` for
  // its provider, and records it.
  send(ask, claimKey, now) {
    const ex = this.exchange;
    const claimMessage = ex.claimMessages.get(claimKey);
    const bundle = communicationRequestMessage(claimMessage, ask, now);
    const entry = ex.queueOwnMessage(claimMessage.sender.value, bundle, { about: claimKey, kind: 'communication-request' });
    const record = {
      identifier: ask.identifier, key: `${ask.identifier.system}|${ask.identifier.value}`, provider: claimMessage.sender.value,
      claimKey, reason: ask.reason, texts: ask.texts, attachments: ask.attachments, due: ask.due, notDone: ask.notDone,
      messageHeaderId: entry.headerId, state: 'queued', answeredBy: null, holdsAnswer: false, entry,
    };
    this.requests.set(record.key, record);
    const claim = ex.claims.get(claimKey);
    claim.communicationRequests = [...(claim.communicationRequests || []), ask.identifier.value];
    return record;
  }

  // The answer to a `communication` (a Message past the envelope and the
  // rules of every message, whose own `errors` are given): accepted
  // (acknowledged, stored) or refused (acknowledgement fatal-error, not
  // stored, answered afresh to a resend).
  answer(message, errors, bytes, now) {
    const ex = this.exchange;
    const all = [...new Set([...errors, ...communicationErrors(message, {
      claim: (key) => ex.claims.get(key),
      request: (key) => this.requests.get(key),
    }, bytes)])];
    if (all.length) {
      return { status: 200, transient: true, body: responses.payerAcknowledgement(message, now, all), outcome: 'rejected', errors: all };
    }
    const c = message.focal;
    const request = c.basedOn && c.basedOn[0] ? this.requests.get(identifierKey(c.basedOn[0])) : undefined;
    const record = {
      identifier: c.identifier && c.identifier[0], key: businessKey(c), provider: message.sender.value,
      bundleId: message.id, messageHeaderId: message.headerId, status: c.status,
      statusReason: c.statusReason ? c.statusReason.text : undefined,
      basedOn: request ? request.identifier.value : null, about: identifierKey(c.about[0]),
      texts: (c.payload || []).filter((p) => typeof p.contentString === 'string').map((p) => p.contentString),
      attachments: attachmentsOf(c).map((a) => ({ contentType: a.contentType, size: a.size, title: a.title })),
      duplicates: 0, at: new Date(now).toISOString(),
    };
    if (record.key) this.answers.set(record.key, record);
    if (request) this.answered(request, record, now);
    return { status: 200, body: responses.payerAcknowledgement(message, now), outcome: 'accepted' };
  }

  // `request` is answered by `answer`: a not-done answer sets the claim's
  // final answer to the request's notDone outcome; the last answer of the
  // claim's requests makes its final answer due.
  answered(request, answer, now) {
    const ex = this.exchange;
    request.state = 'answered';
    request.answeredBy = answer.identifier ? answer.identifier.value : null;
    const held = ex.queue.where((q) => q.kind === 'answer' && q.claimKey === request.claimKey && !q.acknowledged && q.holds > 0)[0];
    if (!held) return;
    if (answer.status === 'not-done') ex.decide(held, request.notDone, now);
    held.holds--;
    if (held.holds === 0) held.availableAt = Math.max(held.availableAt, now);
  }

  // A resend of a stored communication.
  duplicate(message) {
    const record = this.answers.get(businessKey(message.focal));
    if (record) record.duplicates++;
  }

  summary(record) {
    const { entry, key, ...rest } = record;
    return { ...rest, delivered: entry.delivered, acknowledged: entry.acknowledged };
  }

  requestSummaries() {
    return [...this.requests.values()].map((r) => this.summary(r))
      .concat(this.waiting.map((a) => ({ identifier: a.identifier, state: 'waiting', waitsFor: a.match, reason: a.reason })));
  }

  answerSummaries() {
    return [...this.answers.values()].map((a) => ({ ...a }));
  }
}

module.exports = { Communications };
