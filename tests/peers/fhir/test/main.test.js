'use strict';
// src/main.js as a process: its flags, the SMART client's key from a PEM
// file, the seed at start, the port file and the graceful stop.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runScript, poll } = require('../../support');

const MAIN = path.join(__dirname, '../src/main.js');

test('wrong flags exit 2 naming the problem', async () => {
  for (const [args, pattern] of [
    [['--auth', 'kerberos'], /--auth must be one of none, bearer, basic, smart/],
    [['--auth', 'bearer'], /--auth bearer needs --bearer-token/],
    [['--auth', 'basic', '--basic-user', 'u'], /--auth basic needs --basic-user and --basic-password/],
    [['--jwks-file', 'a', '--public-key-file', 'b'], /not both/],
    [['--seed', 'demo,everything'], /unknown fixture "everything"/],
    [['--token-lifetime', '0'], /--token-lifetime must be/],
  ]) {
    const { out, exited } = runScript(MAIN, args);
    assert.equal((await exited).code, 2, args.join(' '));
    assert.match(out.stderr, pattern);
  }
});

test('a public key that is not one stops the start with exit 1', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-peer-'));
  try {
    fs.writeFileSync(path.join(dir, 'key.pem'), 'not a key');
    const { out, exited } = runScript(MAIN, ['--auth', 'smart', '--public-key-file', path.join(dir, 'key.pem')]);
    assert.equal((await exited).code, 1);
    assert.match(out.stderr, /--public-key-file: publicKeyPem is not a PEM public key/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('starts seeded with SMART on a PEM key, writes its port, stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-peer-'));
  const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const keyFile = path.join(dir, 'client.pub.pem');
  fs.writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const portFile = path.join(dir, 'port');
  const { child, exited, out } = runScript(MAIN, ['--port-file', portFile, '--seed', 'demo', '--auth', 'smart',
    '--public-key-file', keyFile, '--client-id', 'hospital-a', '--token-lifetime', '60']);
  try {
    const port = await poll(() => fs.existsSync(portFile) && Number(fs.readFileSync(portFile, 'utf8')), 30000);
    // The port file is written before the line on stdout.
    await poll(() => out.stdout.includes(`{"port":${port}}`), 10000);
    const auth = await (await fetch(`http://127.0.0.1:${port}/_peer/auth`)).json();
    assert.deepEqual(auth.clients, ['hospital-a']);
    assert.equal(auth.mode, 'smart');
    assert.equal(auth.tokenLifetimeSeconds, 60);
    const patients = await (await fetch(`http://127.0.0.1:${port}/_peer/resources/Patient`)).json();
    assert.equal(patients.count, 1);
    assert.equal((await fetch(`http://127.0.0.1:${port}/fhir/R4/Patient/fatimah-alzahrani`)).status, 401);
    child.kill('SIGTERM');
    assert.equal((await exited).code, 0);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
