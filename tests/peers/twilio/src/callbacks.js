'use strict';
// Sends Twilio Video status callbacks: form-encoded POSTs signed with the npm
// twilio library's own getExpectedTwilioSignature (X-Twilio-Signature =
// base64 HMAC-SHA1 keyed with the account auth token over the URL and the
// sorted parameters). Delivery is in publish order through one queue; 429,
// 5xx and network errors are retried `retries` times, then given up (best
// effort, as Twilio). Faults can duplicate, drop or reorder callbacks.

const crypto = require('node:crypto');
const http = require('node:http');
const https = require('node:https');
const twilio = require('twilio');

class CallbackPublisher {
  constructor({ authToken, faults, retries = 2, retryDelayMs = 50, timeoutMs = 10000 }) {
    this.authToken = authToken;
    this.faults = faults;
    this.retries = retries;
    this.retryDelayMs = retryDelayMs;
    this.timeoutMs = timeoutMs;
    this.reset();
  }

  reset() {
    this.log = [];        // every callback published, with its deliveries
    this.queue = [];
    this.held = [];       // held for a reorder or hold fault
    this.holdTarget = 0;
    this.sending = false;
    this.idleWaiters = [];
  }

  // url: the StatusCallback URL; params: { name: value } (strings).
  publish(url, params) {
    const entry = {
      id: this.log.length + 1,
      url,
      event: params.StatusCallbackEvent,
      params,
      idempotencyToken: crypto.randomUUID(),
      deliveries: [],
      status: 'pending',
    };
    this.log.push(entry);
    if (!url) {
      entry.status = 'no-url';
      return entry;
    }
    const rule = this.faults.takeCallback(entry.event);
    if (rule && rule.kind === 'drop') {
      entry.status = 'dropped';
      return entry;
    }
    const copies = rule && rule.kind === 'duplicate' ? 2 : 1;
    if (rule && rule.kind === 'reorder') {
      this.held.push(entry);
      this.holdTarget = Math.max(this.holdTarget, rule.count);
      entry.status = 'held';
      if (this.held.length >= this.holdTarget) this.flushHeld();
      return entry;
    }
    if (rule && rule.kind === 'hold') {
      // Held until the control API's flush, however many arrive.
      this.held.push(entry);
      entry.status = 'held';
      return entry;
    }
    for (let i = 0; i < copies; i++) this.enqueue(entry);
    return entry;
  }

  // Releases held callbacks, newest first.
  flushHeld() {
    const held = this.held.reverse();
    this.held = [];
    this.holdTarget = 0;
    for (const entry of held) this.enqueue(entry);
    return held.length;
  }

  enqueue(entry) {
    entry.status = 'queued';
    this.queue.push(entry);
    if (!this.sending) this.drain();
  }

  async drain() {
    this.sending = true;
    while (this.queue.length > 0) {
      const entry = this.queue.shift();
      await this.deliver(entry);
    }
    this.sending = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  // Resolves when nothing is queued or being sent (held callbacks excepted).
  idle() {
    if (!this.sending && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async deliver(entry) {
    const body = new URLSearchParams(entry.params).toString();
    const signature = twilio.getExpectedTwilioSignature(this.authToken, entry.url, entry.params);
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      const result = await this.post(entry.url, body, signature, entry.idempotencyToken);
      entry.deliveries.push({ at: new Date().toISOString(), ...result });
      if (result.status >= 200 && result.status < 300) {
        entry.status = 'delivered';
        return;
      }
      const transient = result.error !== undefined || result.status === 429 || result.status >= 500;
      if (!transient) break;
      await new Promise((r) => setTimeout(r, this.retryDelayMs * (attempt + 1)));
    }
    entry.status = 'failed';
  }

  post(url, body, signature, idempotencyToken) {
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
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': Buffer.byteLength(body),
          'X-Twilio-Signature': signature,
          'I-Twilio-Idempotency-Token': idempotencyToken,
          'User-Agent': 'TwilioProxy/1.1',
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

  counts() {
    const by = (s) => this.log.filter((e) => e.status === s).length;
    return {
      published: this.log.length,
      delivered: by('delivered'),
      failed: by('failed'),
      dropped: by('dropped'),
      held: this.held.length,
      pending: this.queue.length + (this.sending ? 1 : 0),
      deliveries: this.log.reduce((n, e) => n + e.deliveries.length, 0),
    };
  }
}

module.exports = { CallbackPublisher };
