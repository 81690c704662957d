'use strict';
// Delivery receipts (DLRs) as the gateway posts them to its customer's
// callback URL: one JSON object per recipient,
//
//   {"messageId", "clientReference", "recipient", "status", "statusAt", "errorCode"?}
//
// signed with the receipt secret:
//
//   X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// A receipt is posted `delayMs` after the message is accepted (or at once
// when a test asks for one); 429, 5xx and network errors are retried
// `retries` times, then it is given up (state "failed"); another answer
// ends it (state "posted" for 2xx, "refused" otherwise).

const crypto = require('node:crypto');
const http = require('node:http');
const https = require('node:https');

const FINAL_STATUSES = ['DELIVERED', 'FAILED', 'UNDELIVERABLE', 'EXPIRED'];

function sign(secret, seconds, body) {
  const mac = crypto.createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex');
  return `t=${seconds},v1=${mac}`;
}

class ReceiptSender {
  // config(): the current {receiptUrl, receiptSecret, receiptDelayMs,
  // receiptStatus} (the control API may change them); effects: to count.
  constructor({ config, effects, retries = 2, retryDelayMs = 100, timeoutMs = 10000 }) {
    this.config = config;
    this.effects = effects;
    this.retries = retries;
    this.retryDelayMs = retryDelayMs;
    this.timeoutMs = timeoutMs;
    this.timers = new Set();
    this.inFlight = new Set();
  }

  // Schedules the receipt of each recipient of `message` (which keeps them
  // in message.receipts).
  schedule(message) {
    const { receiptUrl, receiptDelayMs, receiptStatus } = this.config();
    for (const recipient of message.recipients) {
      const receipt = this.entry(message, recipient, receiptStatus);
      if (!receiptUrl) {
        receipt.state = 'no-url';
        continue;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.track(this.deliver(message, receipt));
      }, receiptDelayMs);
      this.timers.add(timer);
    }
  }

  // Posts a receipt with `status` for every recipient of `message` now and
  // resolves with them once answered. `signedAtOffsetSeconds` moves the
  // signing time (a stale receipt: negative).
  async sendNow(message, { status, errorCode, signedAtOffsetSeconds = 0 }) {
    const receipts = message.recipients.map((recipient) => this.entry(message, recipient, status, errorCode));
    await Promise.all(receipts.map((receipt) => this.track(this.deliver(message, receipt, signedAtOffsetSeconds))));
    return receipts;
  }

  entry(message, recipient, status, errorCode) {
    const receipt = {
      recipient,
      status,
      errorCode: status === 'DELIVERED' ? undefined : (errorCode || 'UNREACHABLE'),
      state: 'scheduled',
      deliveries: [],
    };
    message.receipts.push(receipt);
    return receipt;
  }

  track(promise) {
    this.inFlight.add(promise);
    promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }

  // Resolves when no receipt is being posted (scheduled ones excepted).
  async idle() {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  // Forgets every scheduled receipt (reset, clear, close).
  cancel() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  async deliver(message, receipt, signedAtOffsetSeconds = 0) {
    const { receiptUrl, receiptSecret } = this.config();
    receipt.state = 'sending';
    const payload = {
      messageId: message.messageId,
      clientReference: message.clientReference,
      recipient: receipt.recipient,
      status: receipt.status,
      statusAt: new Date().toISOString(),
    };
    if (receipt.errorCode) payload.errorCode = receipt.errorCode;
    const body = JSON.stringify(payload);
    receipt.body = body;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      const seconds = Math.floor(Date.now() / 1000) + signedAtOffsetSeconds;
      const result = await this.post(receiptUrl, body, sign(receiptSecret, seconds, body));
      receipt.deliveries.push({ at: new Date().toISOString(), ...result });
      if (result.status >= 200 && result.status < 300) {
        receipt.state = 'posted';
        this.effects.count('receiptsPosted');
        return receipt;
      }
      const transient = result.error !== undefined || result.status === 429 || result.status >= 500;
      if (!transient) {
        receipt.state = 'refused';
        this.effects.count('receiptsRefused');
        return receipt;
      }
      if (attempt < this.retries) await new Promise((r) => setTimeout(r, this.retryDelayMs * (attempt + 1)));
    }
    receipt.state = 'failed';
    this.effects.count('receiptsFailed');
    return receipt;
  }

  post(url, body, signature) {
    return new Promise((resolve) => {
      let target;
      try {
        target = new URL(url);
      } catch (err) {
        resolve({ error: `bad URL: ${err.message}` });
        return;
      }
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request(target, {
        method: 'POST',
        timeout: this.timeoutMs,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'X-Signature': signature,
          'User-Agent': 'wasl-sms-peer',
        },
      }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode }));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (err) => resolve({ error: err.message }));
      req.end(body);
    });
  }
}

module.exports = { ReceiptSender, sign, FINAL_STATUSES };
