'use strict';
// For the peer's tests: the peer in this process, a stand-in for the hub's
// webhook ingress that keeps every receipt posted to it, and the checks of a
// receipt's signature written apart from the peer's own signing.

const crypto = require('node:crypto');
const http = require('node:http');
const { SmsPeer } = require('../src/sms_peer');

const API_KEY = 'test-api-key';
const RECEIPT_SECRET = 'test-receipt-secret-0123';

async function startPeer(options = {}) {
  const peer = new SmsPeer({ apiKey: API_KEY, receiptSecret: RECEIPT_SECRET, receiptDelayMs: 0, ...options });
  const port = await peer.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${port}`;
  return {
    peer,
    base,
    send(body, { apiKey = API_KEY } = {}) {
      return fetch(`${base}/v1/messages`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      });
    },
    async control(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    close: () => peer.close(),
  };
}

// A loopback server keeping each request {headers, body}; answers with
// `statuses` in turn (the last one repeated).
async function startReceiver(statuses = [202]) {
  const received = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = statuses[Math.min(calls++, statuses.length - 1)];
      res.writeHead(status, { 'Content-Length': 0 });
      res.end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/webhooks/notify.sms`,
    received,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// {t, valid}: whether X-Signature carries a v1 HMAC-SHA256 of "<t>.<body>".
function checkSignature(header, body, secret = RECEIPT_SECRET) {
  const fields = Object.fromEntries(String(header).split(',').map((kv) => kv.split('=')));
  const expected = crypto.createHmac('sha256', secret).update(`${fields.t}.${body}`).digest();
  const given = Buffer.from(fields.v1 || '', 'hex');
  return { t: Number(fields.t), valid: given.length === expected.length && crypto.timingSafeEqual(given, expected) };
}

function message(overrides = {}) {
  return { recipients: ['966501234567'], body: 'موعدك غداً الساعة 10:30', sender: 'Wasl', clientReference: 'ref-1', ...overrides };
}

module.exports = { startPeer, startReceiver, checkSignature, message, API_KEY, RECEIPT_SECRET };
