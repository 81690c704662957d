'use strict';
// PeerServer with `tls`: HTTPS on loopback, the client certificate visible
// to the handler.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { PeerServer, sendJson } = require('../src');
const { selfSigned } = require('./helpers');

class WhoAmI extends PeerServer {
  async handle(req, res) {
    sendJson(res, 200, { subject: req.socket.getPeerCertificate().subject?.CN || null });
  }
}

test('tls: HTTPS with a required client certificate', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-tls-'));
  const server = selfSigned(dir, 'peer');
  const client = selfSigned(dir, 'hospital');
  const peer = new WhoAmI({ tls: { ...server, ca: client.cert, requestCert: true, rejectUnauthorized: true } });
  const port = await peer.listen({ host: '127.0.0.1', port: 0 });
  const get = (auth) => new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', ca: server.cert, agent: false, ...auth }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject);
  });
  try {
    assert.deepEqual(await get({ key: client.key, cert: client.cert }), { subject: 'hospital' });
    await assert.rejects(get({}));
  } finally {
    await peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
