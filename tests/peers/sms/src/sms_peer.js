'use strict';
// SmsPeer: an HTTP SMS gateway shaped like the Saudi gateways' REST APIs
// (Taqnyat, Unifonic), on loopback.
//
//   POST /v1/messages   (operation SendMessage)
//     Authorization: Bearer <api key>
//     {"recipients": ["9665…"], "body": "…", "sender": "<registered name>",
//      "clientReference": "<the client's idempotency key>"}
//     → 201 {statusCode, messageId, clientReference, status: "accepted",
//            recipients, segments, encoding, cost, currency, acceptedAt}
//
// A clientReference seen before answers 200 with the same messageId (header
// Idempotent-Replayed: true) and sends nothing again; the same reference with
// another message is 409 REFERENCE_REUSED. Errors are
// {statusCode, code, message}: 401 UNAUTHORIZED (before any fault), 400
// INVALID_BODY, INVALID_RECIPIENT (not E.164 digits, or outside the
// configured prefixes), INVALID_SENDER (not registered), INVALID_REFERENCE,
// MESSAGE_TOO_LONG. The peer counts the parts itself (segments.js).
//
// Every accepted message is kept, and a signed delivery receipt per
// recipient is posted to the receipt URL after the receipt delay
// (receipts.js). The control API under /_peer/ lists and clears messages,
// sends receipts on demand, changes the receipt settings, and takes the
// support library's faults (operation SendMessage: 500 for the next N
// requests, 429 with Retry-After, a slow answer, drop after accept).

const crypto = require('node:crypto');
const { PeerServer, Faults, ControlError, readBody, sendJson, BodyTooLarge } = require('../../support');
const { segment } = require('./segments');
const { ReceiptSender, FINAL_STATUSES } = require('./receipts');

const MAX_BODY = 64 * 1024;
const MAX_RECIPIENTS = 100;
const RECIPIENT = /^[1-9][0-9]{6,14}$/;
const REFERENCE = /^[A-Za-z0-9._:/-]{1,64}$/;
const PRICE_PER_PART = 0.05;  // SAR, per part and recipient
const COUNTERS = ['requests', 'accepted', 'duplicates', 'rejected', 'unauthorized',
  'receiptsPosted', 'receiptsRefused', 'receiptsFailed'];

function problem(status, code, message) {
  return { status, body: { statusCode: status, code, message } };
}

function sameMessage(a, b) {
  return a.sender === b.sender && a.body === b.body
    && a.recipients.length === b.recipients.length && a.recipients.every((r, i) => r === b.recipients[i]);
}

class SmsPeer extends PeerServer {
  constructor(options = {}) {
    super({
      name: 'sms-peer',
      faults: new Faults({ statuses: [429, 500, 502, 503], retryAfterStatuses: [429, 503], operations: ['SendMessage'] }),
    });
    this.options = {
      apiKey: 'sms-sandbox-key',
      senders: ['Wasl'],
      recipientPrefixes: [],
      maxSegments: 20,
      receiptUrl: '',
      receiptSecret: 'sms-sandbox-receipt-secret',
      receiptDelayMs: 500,
      receiptStatus: 'DELIVERED',
      ...options,
    };
    this.receiptConfig = this.initialReceiptConfig();
    this.receipts = new ReceiptSender({ config: () => this.receiptConfig, effects: this.effects });
    this.messages = new Map();     // messageId -> message, in arrival order
    this.byReference = new Map();  // clientReference -> messageId
    this.control
      .route('GET', '/_peer/messages', ({ query }) => {
        const reference = query.get('clientReference');
        const all = [...this.messages.values()].filter((m) => !reference || m.clientReference === reference);
        return { messages: all.map((m) => this.view(m)) };
      })
      .route('DELETE', '/_peer/messages', () => {
        const cleared = this.messages.size;
        this.clearMessages();
        return { cleared };
      })
      .route('GET', /^\/_peer\/messages\/([^/]+)$/, ({ params }) => this.view(this.message(params[0])))
      .route('POST', /^\/_peer\/messages\/([^/]+)\/receipt$/, async ({ params, body }) => {
        const message = this.message(params[0]);
        const status = body.status === undefined ? 'DELIVERED' : body.status;
        if (!FINAL_STATUSES.includes(status)) throw new ControlError(400, `status must be one of ${FINAL_STATUSES.join(', ')}`);
        const offset = body.signedAtOffsetSeconds === undefined ? 0 : body.signedAtOffsetSeconds;
        if (!Number.isInteger(offset)) throw new ControlError(400, 'signedAtOffsetSeconds must be an integer');
        if (!this.receiptConfig.receiptUrl) throw new ControlError(409, 'no receipt URL is configured');
        const sent = await this.receipts.sendNow(message, { status, errorCode: body.errorCode, signedAtOffsetSeconds: offset });
        return { receipts: sent };
      })
      .route('GET', '/_peer/config', () => this.configView())
      .route('POST', '/_peer/config', ({ body }) => {
        const next = { ...this.receiptConfig };
        if (body.receiptUrl !== undefined) {
          if (typeof body.receiptUrl !== 'string') throw new ControlError(400, 'receiptUrl must be a string');
          next.receiptUrl = body.receiptUrl;
        }
        if (body.receiptSecret !== undefined) {
          if (typeof body.receiptSecret !== 'string' || !body.receiptSecret) throw new ControlError(400, 'receiptSecret must be a non-empty string');
          next.receiptSecret = body.receiptSecret;
        }
        if (body.receiptDelayMs !== undefined) {
          if (!Number.isInteger(body.receiptDelayMs) || body.receiptDelayMs < 0 || body.receiptDelayMs > 600000) {
            throw new ControlError(400, 'receiptDelayMs must be an integer 0..600000');
          }
          next.receiptDelayMs = body.receiptDelayMs;
        }
        if (body.receiptStatus !== undefined) {
          if (!FINAL_STATUSES.includes(body.receiptStatus)) throw new ControlError(400, `receiptStatus must be one of ${FINAL_STATUSES.join(', ')}`);
          next.receiptStatus = body.receiptStatus;
        }
        this.receiptConfig = next;
        return this.configView();
      })
      .route('POST', '/_peer/receipts/wait', async () => {
        await this.receipts.idle();
        return this.effectsView();
      });
  }

  initialReceiptConfig() {
    const { receiptUrl, receiptSecret, receiptDelayMs, receiptStatus } = this.options;
    return { receiptUrl, receiptSecret, receiptDelayMs, receiptStatus };
  }

  configView() {
    const { receiptUrl, receiptDelayMs, receiptStatus } = this.receiptConfig;
    return { receiptUrl, receiptDelayMs, receiptStatus, senders: this.options.senders, recipientPrefixes: this.options.recipientPrefixes };
  }

  message(id) {
    const message = this.messages.get(id);
    if (!message) throw new ControlError(404, `no message ${id}`);
    return message;
  }

  // A message as the control API shows it: the text as received (decoded
  // UTF-8), its parts, and the state of each receipt.
  view(m) {
    return {
      messageId: m.messageId,
      clientReference: m.clientReference,
      sender: m.sender,
      recipients: m.recipients,
      body: m.body,
      encoding: m.encoding,
      characters: m.characters,
      units: m.units,
      segments: m.segments,
      parts: m.parts,
      cost: m.cost,
      receivedAt: m.receivedAt,
      requests: m.requests,
      receipts: m.receipts.map((r) => ({
        recipient: r.recipient, status: r.status, errorCode: r.errorCode, state: r.state, deliveries: r.deliveries,
      })),
    };
  }

  clearMessages() {
    this.receipts.cancel();
    this.messages.clear();
    this.byReference.clear();
  }

  reset() {
    super.reset();
    this.clearMessages();
    this.receiptConfig = this.initialReceiptConfig();
  }

  async close() {
    this.receipts.cancel();
    await super.close();
  }

  effectsView() {
    const counts = Object.fromEntries(COUNTERS.map((name) => [name, this.effects.get(name)]));
    return { ...counts, faults: this.faults.fired, messages: this.messages.size };
  }

  errorAnswer(res, err) {
    sendJson(res, 500, { statusCode: 500, code: 'INTERNAL_ERROR', message: `peer error: ${err && err.message ? err.message : err}` });
  }

  async handle(req, res, url) {
    this.effects.count('requests');
    if (req.method !== 'POST' || url.pathname !== '/v1/messages') {
      return sendJson(res, 404, { statusCode: 404, code: 'NOT_FOUND', message: `no route ${req.method} ${url.pathname}` });
    }
    if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      this.effects.count('unauthorized');
      return sendJson(res, 401, { statusCode: 401, code: 'UNAUTHORIZED', message: 'a valid API key is required' });
    }
    let request;
    try {
      const bytes = await readBody(req, MAX_BODY);
      request = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
      this.effects.count('rejected');
      return err instanceof BodyTooLarge
        ? sendJson(res, 413, { statusCode: 413, code: 'INVALID_BODY', message: err.message })
        : sendJson(res, 400, { statusCode: 400, code: 'INVALID_BODY', message: 'the body is not UTF-8 JSON' });
    }
    return this.faults.perform('SendMessage', res, {
      effect: () => this.send(request),
      answer: (answer) => sendJson(res, answer.status, answer.body, answer.headers),
      fail: (rule) => sendJson(res, rule.status,
        { statusCode: rule.status, code: rule.status === 429 ? 'RATE_LIMITED' : 'INTERNAL_ERROR', message: 'fault injected by the test' },
        rule.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(rule.retryAfterSeconds) }),
    });
  }

  reject(status, code, message) {
    this.effects.count('rejected');
    return problem(status, code, message);
  }

  // SendMessage's effect: {status, body, headers?}.
  send(request) {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return this.reject(400, 'INVALID_BODY', 'the body must be a JSON object');
    }
    const { recipients, body, sender, clientReference } = request;
    if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > MAX_RECIPIENTS) {
      return this.reject(400, 'INVALID_RECIPIENT', `recipients must be an array of 1..${MAX_RECIPIENTS} numbers`);
    }
    if (!recipients.every((r) => typeof r === 'string' && RECIPIENT.test(r))) {
      return this.reject(400, 'INVALID_RECIPIENT', 'each recipient must be an international number in digits (9665…), without + or 00');
    }
    const prefixes = this.options.recipientPrefixes;
    if (prefixes.length > 0 && !recipients.every((r) => prefixes.some((p) => r.startsWith(p)))) {
      return this.reject(400, 'INVALID_RECIPIENT', `this gateway delivers to numbers starting ${prefixes.join(', ')} only`);
    }
    if (typeof sender !== 'string' || !this.options.senders.includes(sender)) {
      return this.reject(400, 'INVALID_SENDER', 'the sender name is not registered for this account');
    }
    if (typeof body !== 'string' || body.length === 0) {
      return this.reject(400, 'INVALID_BODY', 'body must be a non-empty string');
    }
    if (clientReference !== undefined && (typeof clientReference !== 'string' || !REFERENCE.test(clientReference))) {
      return this.reject(400, 'INVALID_REFERENCE', 'clientReference must be 1..64 characters of A-Z a-z 0-9 . _ : / -');
    }
    const counted = segment(body);
    if (counted.segments > this.options.maxSegments) {
      return this.reject(400, 'MESSAGE_TOO_LONG', `the text needs ${counted.segments} parts, more than ${this.options.maxSegments}`);
    }
    if (clientReference !== undefined && this.byReference.has(clientReference)) {
      const earlier = this.messages.get(this.byReference.get(clientReference));
      if (!sameMessage(earlier, { recipients, body, sender })) {
        return this.reject(409, 'REFERENCE_REUSED', 'this clientReference was used for another message');
      }
      earlier.requests++;
      this.effects.count('duplicates');
      return { status: 200, body: { ...earlier.answer, statusCode: 200 }, headers: { 'Idempotent-Replayed': 'true' } };
    }
    const messageId = crypto.randomUUID();
    const cost = (counted.segments * recipients.length * PRICE_PER_PART).toFixed(2);
    const acceptedAt = new Date().toISOString();
    const message = {
      messageId,
      clientReference,
      sender,
      recipients: [...recipients],
      body,
      ...counted,
      cost,
      receivedAt: acceptedAt,
      requests: 1,
      receipts: [],
      answer: {
        statusCode: 201,
        messageId,
        clientReference,
        status: 'accepted',
        recipients: recipients.length,
        segments: counted.segments,
        encoding: counted.encoding,
        cost,
        currency: 'SAR',
        acceptedAt,
      },
    };
    this.messages.set(messageId, message);
    if (clientReference !== undefined) this.byReference.set(clientReference, messageId);
    this.effects.count('accepted');
    this.receipts.schedule(message);
    return { status: 201, body: message.answer };
  }
}

module.exports = { SmsPeer };
