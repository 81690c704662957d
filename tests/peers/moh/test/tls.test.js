'use strict';
// The peer over mutual TLS (certificates of scripts/test-pki): the client
// certificate authenticates instead of the bearer token, a client without
// one gets nothing, and the control API answers on its own plain-HTTP port.
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { MohPeer } = require('../src/server');

const REPO = path.resolve(__dirname, '../../../..');

test('mutual TLS: a client certificate of the CA is required; control on its own port', async () => {
  const pki = fs.mkdtempSync(path.join(os.tmpdir(), 'moh-peer-pki-'));
  execFileSync(path.join(REPO, 'scripts/test-pki'), [pki, '--days', '2']);
  const file = (name) => path.join(pki, name);
  const peer = new MohPeer({ tlsCert: file('server.crt'), tlsKey: file('server.key'), clientCa: file('ca.crt') });
  const port = await peer.listen({ host: '127.0.0.1', port: 0, controlPort: 0 });
  const post = (auth) => new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, method: 'POST', path: '/fhir/MeasureReport', agent: false,
      headers: { 'Content-Type': 'application/fhir+json' }, ca: fs.readFileSync(file('ca.crt')), ...auth,
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end('{"resourceType":"MeasureReport"}');
  });
  try {
    assert.ok(peer.controlPort > 0 && peer.controlPort !== port);
    const status = await post({ cert: fs.readFileSync(file('client.crt')), key: fs.readFileSync(file('client.key')) });
    assert.strictEqual(status, 422, 'authenticated by the certificate, then refused as invalid R4');
    await assert.rejects(post({}));
    await assert.rejects(post({ cert: fs.readFileSync(file('other-client.crt')), key: fs.readFileSync(file('other-client.key')) }));
    const effects = await (await fetch(`http://127.0.0.1:${peer.controlPort}/_peer/effects`)).json();
    assert.strictEqual(effects.rejected, 1);
    assert.strictEqual(effects.unauthorized, 0);
  } finally {
    await peer.close();
    fs.rmSync(pki, { recursive: true, force: true });
  }
});
