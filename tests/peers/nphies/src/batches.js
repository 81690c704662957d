'use strict';
// batch-request: up to 200 claim-request messages in one, acknowledged at
// once with a batch-response; each claim is adjudicated as if sent alone
// (its rule, its business rules, communication-requests about it) but its
// answer always comes through poll: an answer the rule gives at once is
// queued, due now. Until that answer is acknowledged the claim is queued,
// and a resend of the claim alone is answered `queued`. A claim the exchange
// holds already is a duplicate: counted, nothing queued again.

const { Message, businessKey } = require('./message');
const { batchEntries, batchIdentifier } = require('./batch_rules');
const responses = require('./responses');

// The business rules a batch as a whole is refused for; the others are
// each claim's own.
const BATCH_ERRORS = new Set(['unknownProvider', 'certificateMismatch', 'unknownPayer']);

class Batches {
  // `exchange` gives claims, queue, request(), replayFor(), store() and record().
  constructor(exchange) {
    this.exchange = exchange;
    this.reset();
  }

  reset() {
    this.batches = [];
  }

  // The answer to a batch-request past its envelope and batch rules;
  // `errors` are its business errors.
  take(message, errors, context, now) {
    const ex = this.exchange;
    const refused = errors.filter((e) => BATCH_ERRORS.has(e));
    if (refused.length) {
      return {
        status: 200, transient: true, outcome: 'rejected', errors: refused,
        body: responses.payerAcknowledgement(message, now, refused, 'batch-response'),
      };
    }
    const identifier = batchIdentifier(message);
    const batch = {
      identifier, bundleId: message.id, messageHeaderId: message.headerId, provider: message.sender.value,
      count: 0, claims: [], duplicates: [], at: new Date(now).toISOString(),
    };
    for (const bundle of batchEntries(message)) {
      const inner = new Message(bundle);
      const key = businessKey(inner.focal);
      batch.count++;
      const base = {
        bundleId: inner.id, messageHeaderId: inner.headerId, event: inner.event, sender: inner.sender.value,
        client: context.client, claimIdentifier: key, batch: identifier.value,
      };
      const replay = ex.replayFor(inner);
      if (replay) {
        if (ex.claims.has(key)) ex.claims.get(key).duplicates++;
        batch.duplicates.push(key);
        ex.record({ ...base, outcome: 'duplicate', via: replay.via });
        continue;
      }
      const answer = ex.request(inner, now, key, base, context);
      const claim = ex.claims.get(key);
      claim.batch = identifier.value;
      if (answer.outcome !== 'queued') {
        ex.queue.push({
          bundle: answer.body, availableAt: now, provider: inner.sender.value, claimKey: key, kind: 'answer',
          event: 'claim-response', headerId: answer.body.entry[0].resource.id, finalState: claim.state,
        });
        claim.finalState = claim.state;
        claim.state = 'queued';
      }
      ex.store(inner, { status: 200, body: responses.claimResponse(inner, { kind: 'queued' }, now, claim.use), outcome: 'queued' });
      batch.claims.push(key);
      ex.record({ ...base, outcome: 'queued', finalOutcome: claim.finalState, errors: answer.errors });
    }
    this.batches.push(batch);
    return {
      status: 200, body: responses.payerAcknowledgement(message, now, [], 'batch-response'),
      outcome: `accepted ${batch.claims.length} claims, ${batch.duplicates.length} duplicates`,
    };
  }

  summaries() {
    return this.batches.map((b) => ({ ...b }));
  }
}

module.exports = { Batches };
