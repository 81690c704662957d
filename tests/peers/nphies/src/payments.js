'use strict';
// What the payer pays: payment-reconciliations (asked for on the control
// API, collected by poll) and the provider's payment-notices about them
// (acknowledged at once).
//
// A reconciliation pays named claims the exchange approved (in full or in
// part): each claim is paid a given amount (by default what its
// claim-response approved and is not paid yet), may carry an early-payment
// fee and a nphies fee (deducted) and an adjustment (a negative amount, its
// own detail). paymentAmount = sum of the amounts and adjustments - sum of
// the fees. A claim is `paid` once its payments add up to the benefit its
// claim-response approved, `partially-paid` before.

const { parseReconciliation, round } = require('./payer_rules');
const { paymentReconciliationMessage, PAYER_BASE } = require('./payer_messages');
const { LICENSE, PAYMENT_STATUS } = require('./nphies_terms');
const { licenceOf } = require('./nphies_rules');
const { businessKey } = require('./message');
const responses = require('./responses');

function close(a, b) { return Math.abs(a - b) < 0.005; }

class Payments {
  // `exchange` gives options.now(), claims, findClaims(value),
  // queueOwnMessage() and ruleContext().
  constructor(exchange) {
    this.exchange = exchange;
    this.reset();
  }

  reset() {
    this.reconciliations = new Map(); // "system|value" of the reconciliation identifier -> record
    this.notices = new Map(); // "system|value" of the PaymentNotice identifier -> record
    this.count = 0;
  }

  // The control API's rule: { problems } or { problems: [], reconciliation }.
  add(body) {
    const ex = this.exchange;
    const { problems, rule } = parseReconciliation(body, ex.ruleContext());
    if (problems.length) return { problems };
    const paid = [];
    for (const asked of rule.claims) {
      const found = ex.findClaims(asked.claim);
      if (found.length !== 1) {
        problems.push(found.length ? `claim ${asked.claim} names claims of more than one provider`
          : `claim ${asked.claim} is not held by the exchange`);
        continue;
      }
      const claim = found[0];
      if (!['approved', 'partial'].includes(claim.state)) {
        problems.push(`claim ${asked.claim} is ${claim.state}: only a claim answered approved or partial (and acknowledged, if queued) is paid`);
        continue;
      }
      const due = round(claim.benefit - (claim.paid || 0));
      const amount = asked.amount === undefined ? due : asked.amount;
      if (amount <= 0) problems.push(`claim ${asked.claim} is paid in full already`);
      else if (amount > due + 0.005) problems.push(`claim ${asked.claim}: ${amount} is more than the ${due} SAR approved and not paid yet`);
      paid.push({ claim, asked, amount });
    }
    const providers = new Set(paid.map((p) => p.claim.sender));
    if (providers.size > 1) problems.push('a reconciliation pays the claims of one provider');
    if (problems.length) return { problems };

    const now = ex.options.now();
    this.count++;
    const value = `PR-${now.toString(36).toUpperCase()}-${this.count}`;
    const details = paid.map(({ claim, asked, amount }) => ({
      claimIdentifier: ex.claimMessages.get(claim.key).focal.identifier[0],
      amount, earlyFee: asked.earlyFee, nphiesFee: asked.nphiesFee, adjustment: asked.adjustment,
    }));
    const sum = (name) => details.reduce((total, d) => total + (d[name] || 0), 0);
    const payment = {
      identifier: { system: `${PAYER_BASE}/payment-reconciliation`, value },
      provider: paid[0].claim.sender,
      payer: ex.claimMessages.get(paid[0].claim.key).receiver.value,
      paymentDate: rule.paymentDate,
      period: rule.period,
      paymentIdentifier: { system: `${PAYER_BASE}/bank-transfer`, value: rule.paymentIdentifier || `TRF-${value}` },
      paymentAmount: round(sum('amount') + sum('adjustment') - sum('earlyFee') - sum('nphiesFee')),
      details,
      version: ex.claimMessages.get(paid[0].claim.key).version,
    };
    const bundle = paymentReconciliationMessage(payment, now);
    const entry = ex.queueOwnMessage(payment.provider, bundle, { about: value, kind: 'payment-reconciliation' });
    for (const { claim, asked, amount } of paid) {
      claim.paid = round((claim.paid || 0) + amount);
      claim.adjustments = round((claim.adjustments || 0) + (asked.adjustment || 0));
      claim.earlyFees = round((claim.earlyFees || 0) + (asked.earlyFee || 0));
      claim.nphiesFees = round((claim.nphiesFees || 0) + (asked.nphiesFee || 0));
      claim.payment = claim.paid >= claim.benefit - 0.005 ? 'paid' : 'partially-paid';
      claim.reconciliations = [...(claim.reconciliations || []), value];
    }
    const record = {
      ...payment, key: `${payment.identifier.system}|${value}`, messageHeaderId: entry.headerId, notice: null, entry,
      details: details.map((d) => ({ ...d, claimIdentifier: `${d.claimIdentifier.system}|${d.claimIdentifier.value}` })),
    };
    this.reconciliations.set(record.key, record);
    return { problems, reconciliation: this.summary(record) };
  }

  // The answer to a payment-notice (a Message past the envelope and the rules
  // of every message, whose `errors` are given): accepted (acknowledged,
  // stored) or refused (acknowledgement fatal-error with PN- codes, not
  // stored).
  notice(message, errors, now) {
    const all = [...errors, ...this.noticeErrors(message)];
    const unique = [...new Set(all)];
    if (unique.length) {
      return { status: 200, transient: true, body: responses.payerAcknowledgement(message, now, unique), outcome: 'rejected', errors: unique };
    }
    const n = message.focal;
    const reconciliation = this.reconciliations.get(this.paymentKey(n));
    const record = {
      identifier: n.identifier && n.identifier[0], key: businessKey(n), provider: message.sender.value,
      bundleId: message.id, messageHeaderId: message.headerId, reconciliation: reconciliation.identifier.value,
      amount: n.amount.value, duplicates: 0, at: new Date(now).toISOString(),
    };
    if (record.key) this.notices.set(record.key, record);
    reconciliation.notice = { identifier: record.identifier, at: record.at };
    return { status: 200, body: responses.payerAcknowledgement(message, now), outcome: 'accepted' };
  }

  paymentKey(notice) {
    const id = notice.payment && notice.payment.identifier;
    return id && id.value ? `${id.system || ''}|${id.value}` : undefined;
  }

  // The PN- rules (and the organisations') a payment-notice breaks.
  noticeErrors(message) {
    const errors = [];
    const n = message.focal;
    if (licenceOf(message, n.provider, LICENSE.provider) !== message.sender.value) errors.push('providerMismatch');
    if (licenceOf(message, n.recipient, LICENSE.payer) !== message.receiver.value) errors.push('payerMismatch');
    const reconciliation = this.reconciliations.get(this.paymentKey(n));
    if (!reconciliation || reconciliation.provider !== message.sender.value ||
        (n.payment.type !== undefined && n.payment.type !== 'PaymentReconciliation')) {
      errors.push('noticePayment');
    } else {
      if (!n.amount || n.amount.currency !== 'SAR' || !close(n.amount.value, reconciliation.paymentAmount)) errors.push('noticeAmount');
      const mine = n.identifier && n.identifier[0] ? businessKey(n) : undefined;
      const earlier = reconciliation.notice && reconciliation.notice.identifier;
      if (earlier && `${earlier.system || ''}|${earlier.value}` !== mine) errors.push('noticeRepeated');
    }
    const status = n.paymentStatus && Array.isArray(n.paymentStatus.coding) ? n.paymentStatus.coding[0] : undefined;
    if (!status || status.system !== PAYMENT_STATUS || status.code !== 'cleared') errors.push('noticeStatus');
    return errors;
  }

  // A resend of a stored payment-notice.
  duplicate(message) {
    const record = this.notices.get(businessKey(message.focal));
    if (record) record.duplicates++;
  }

  summary(record) {
    const { entry, key, ...rest } = record;
    return { ...rest, delivered: entry.delivered, acknowledged: entry.acknowledged };
  }

  reconciliationSummaries() {
    return [...this.reconciliations.values()].map((r) => this.summary(r));
  }

  noticeSummaries() {
    return [...this.notices.values()].map((n) => ({ ...n }));
  }
}

module.exports = { Payments };
