'use strict';
// PeerServer with controlPort: the control API on a plain-HTTP listener of
// its own, every path of the main (here HTTPS, client-certificate) port
// going to handle(); runPeer writing both ports.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { PeerServer, sendJson } = require('../src');
const { request, poll, selfSigned } = require('./helpers');

// Answers 403 to a client without a certificate its CA vouches for, on
// every path: the gate a mutual-TLS gateway keeps.
class Gated extends PeerServer {
  async handle(req, res, url) {
    if (!req.socket.authorized) {
      sendJson(res, 403, { error: 'a client certificate is required' });
      return;
    }
    this.effects.count('calls');
    sendJson(res, 200, { path: url.pathname });
  }
}

test('controlPort: the control API on plain HTTP, the gated port keeps every path', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-control-'));
  const server = selfSigned(dir, 'peer');
  const client = selfSigned(dir, 'hospital');
  const peer = new Gated({
    controlPort: true,
    tls: { ...server, ca: client.cert, requestCert: true, rejectUnauthorized: false },
  });
  const port = await peer.listen({ host: '127.0.0.1', port: 0, controlPort: 0 });
  const get = (pathname, auth = {}) => new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: pathname, ca: server.cert, agent: false, ...auth }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(text) }));
    }).on('error', reject);
  });
  try {
    assert.ok(peer.controlPort > 0 && peer.controlPort !== port);
    assert.equal((await get('/_peer/effects')).status, 403, 'no control API behind the gate');
    assert.deepEqual((await get('/_peer/effects', { key: client.key, cert: client.cert })).json,
      { path: '/_peer/effects' });
    assert.deepEqual((await request(peer.controlPort, { path: '/_peer/effects' })).json, { calls: 1 });
    assert.equal((await request(peer.controlPort, { path: '/claims' })).status, 404);
    assert.equal((await request(peer.controlPort, { method: 'POST', path: '/_peer/reset' })).status, 200);
    assert.deepEqual((await request(peer.controlPort, { path: '/_peer/effects' })).json, {});
  } finally {
    await peer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await assert.rejects(request(peer.controlPort || 1, { path: '/_peer/effects', timeoutMs: 1000 }));
});

test('runPeer writes both ports as JSON when the peer has a control listener', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-control-'));
  const portFile = path.join(dir, 'peer.port');
  const child = spawn(process.execPath, [path.join(__dirname, '../fixtures/two_port_peer.js'), '--port-file', portFile],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const ports = await poll(() => fs.existsSync(portFile) && JSON.parse(fs.readFileSync(portFile, 'utf8')));
    assert.ok(ports.port > 0 && ports.control_port > 0);
    await poll(() => stdout.endsWith('\n'));
    assert.deepEqual(JSON.parse(stdout), ports);
    assert.deepEqual((await request(ports.port, { path: '/_peer/effects' })).json, { main: true, path: '/_peer/effects' });
    assert.deepEqual((await request(ports.control_port, { path: '/_peer/effects' })).json, { calls: 1 });
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
