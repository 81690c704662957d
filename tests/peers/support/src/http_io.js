'use strict';
// Reading a bounded request body and writing a JSON answer on node:http.

const DEFAULT_BODY_LIMIT = 1 << 20;

class BodyTooLarge extends Error {
  constructor(limit) {
    super(`The request body exceeds ${limit} bytes.`);
    this.limit = limit;
  }
}

// The whole body as a Buffer. Past `limit` bytes it rejects with
// BodyTooLarge and keeps only discarding, so the caller can still answer 413;
// past four times `limit` the connection is closed. A hostile client costs at
// most `limit` bytes of memory.
function readBody(req, limit = DEFAULT_BODY_LIMIT) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 4 * limit) {
        req.destroy();
        return;
      }
      if (size > limit) {
        chunks.length = 0;
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

// Answers `value` as JSON (no body when undefined), with Content-Length.
function sendJson(res, status, value, headers = {}) {
  const body = value === undefined ? '' : JSON.stringify(value);
  res.writeHead(status, {
    ...(body ? { 'Content-Type': 'application/json' } : {}),
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function isLoopback(address) {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

module.exports = { readBody, sendJson, isLoopback, BodyTooLarge, DEFAULT_BODY_LIMIT };
