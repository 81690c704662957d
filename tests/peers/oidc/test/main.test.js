// src/main.js as a process: the ready line and the port file, the
// passwords it generates and prints, the client secret file (generated,
// then reused), the issuer (the config's, --issuer, or the port's), config
// errors as file:line, and the graceful stop. Also the sandbox config
// scripts/run uses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { loadConfig } from '../src/config.js';
import {
  CookieJar, USERS, exchangeCode, secretClient, signIn, tempDir, writeConfig,
} from './helpers.js';

const require = createRequire(import.meta.url);
const { runScript, poll } = require('../../support');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MAIN = path.join(HERE, '../src/main.js');
const SANDBOX = path.join(HERE, '../sandbox.json');

test('starts from a config: generated passwords, a generated client secret, the ready line; stops on SIGTERM', async () => {
  const dir = tempDir();
  const users = USERS.map(({ password, ...user }) => (user.username === 'omar' ? { ...user, password } : user));
  const client = secretClient();
  delete client.client_secret;
  const config = writeConfig(dir, { clients: [client], users });
  const secretFile = path.join(dir, 'var/oidc/client_secret');
  const portFile = path.join(dir, 'port');
  let secret;
  const { child, out, exited } = runScript(MAIN, ['--config', config, '--port-file', portFile, '--client-secret-file', secretFile]);
  try {
    const port = await poll(() => fs.existsSync(portFile) && Number(fs.readFileSync(portFile, 'utf8')), 30000);
    const origin = `http://127.0.0.1:${port}`;
    await poll(() => out.stdout.includes('listening'), 10000);
    const lines = out.stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), `oidc peer listening on ${origin}`);
    const passwords = Object.fromEntries(lines.slice(0, -1).map((l) => /^oidc peer user (\w+) password (\S+)$/.exec(l).slice(1)));
    assert.deepEqual(Object.keys(passwords), ['nora', 'huda'], 'omar has one in the file');
    assert.ok(passwords.nora.length >= 16);

    secret = fs.readFileSync(secretFile, 'utf8');
    assert.match(secret, /^[0-9a-f]{64}\n$/);
    assert.equal(fs.statSync(secretFile).mode & 0o777, 0o600);

    const discovery = await (await fetch(`${origin}/.well-known/openid-configuration`)).json();
    assert.equal(discovery.issuer, origin);
    const flow = await signIn(new CookieJar(), origin, { username: 'nora', password: passwords.nora });
    assert.ok(flow.callback, JSON.stringify(flow.page));
    const token = await exchangeCode(origin, {
      code: flow.callback.searchParams.get('code'), verifier: flow.request.verifier, auth: { secret: secret.trim() },
    });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    child.kill('SIGTERM');
    assert.equal((await exited).code, 0);
  } finally {
    child.kill('SIGKILL');
  }

  // A second start reads the secret file instead of replacing it, and
  // takes the issuer from --issuer.
  const again = runScript(MAIN, ['--config', config, '--client-secret-file', secretFile, '--issuer', 'http://localhost:4590']);
  try {
    await poll(() => again.out.stdout.includes('listening'), 30000);
    const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(again.out.stdout)[1];
    const health = await (await fetch(`http://127.0.0.1:${port}/_peer/health`)).json();
    assert.equal(health.issuer, 'http://localhost:4590');
    assert.equal(fs.readFileSync(secretFile, 'utf8'), secret);
    again.child.kill('SIGTERM');
    assert.equal((await again.exited).code, 0);
  } finally {
    again.child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad config exits 2 naming the file and line', async () => {
  const dir = tempDir();
  try {
    const json = (value) => JSON.stringify(value, null, 2);
    // [config text, the text on the line the error must name, the message]
    const cases = [
      ['{\n  "clients": [\n    {"client_id": "x",}\n  ]\n}\n', '{"client_id"', 'not JSON: a key in double quotes expected at "}'],
      [json({ clients: [secretClient()], users: [{ ...USERS[0], mfa: 'yes' }] }), '"mfa": "yes"',
        'users[0] (nora): mfa must be true or false'],
      [json({ clients: [{ ...secretClient(), scope: 'x' }], users: USERS }), '"scope": "x"',
        'clients[0] (wasl): unknown key "scope"; known: client_id, client_secret'],
      [json({ clients: [{ ...secretClient(), client_secret: undefined }], users: USERS }), '{\n      "client_id": "wasl"',
        'clients[0] (wasl) has no client_secret: give one, or --client-secret-file'],
      [json({ clients: [{ ...secretClient(), token_endpoint_auth_method: 'private_key_jwt', client_secret: undefined }], users: USERS }),
        '{\n      "client_id": "wasl"', 'clients[0] (wasl): a private_key_jwt client needs jwks or public_key_pem (one of them)'],
      [json({ issuer: 'ftp://x', clients: [secretClient()], users: USERS }), '"issuer"',
        'issuer must be an http(s) URL without query or fragment'],
      [json({ clients: [secretClient()], users: [USERS[0], { ...USERS[1], username: 'nora' }] }), '"username": "nora",\n      "password": "omar',
        'users[1] (nora): username nora appears twice'],
      [json({ clients: [secretClient({ redirect_uris: ['not a url'] })], users: USERS }), '"redirect_uris"',
        'clients[0] (wasl): redirect_uris must be a list of http(s) URLs'],
    ];
    for (const [text, needle, message] of cases) {
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, text);
      const at = text.indexOf(needle);
      assert.ok(at >= 0, needle);
      const line = text.slice(0, at).split('\n').length;
      const { out, exited } = runScript(MAIN, ['--config', file]);
      assert.equal((await exited).code, 2, text);
      assert.ok(out.stderr.startsWith(`oidc-peer: ${file}:${line}: ${message}`), `${out.stderr.split('\n')[0]}\nwanted ${line}: ${message}`);
    }
    const missing = runScript(MAIN, []);
    assert.equal((await missing.exited).code, 2);
    assert.match(missing.out.stderr, /--config is required/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the sandbox config: issuer :4590, the client wasl with its secret from the file, nora, omar and huda', () => {
  const dir = tempDir();
  try {
    const config = loadConfig(SANDBOX, { clientSecretFile: path.join(dir, 'client_secret') });
    assert.equal(config.issuer, 'http://127.0.0.1:4590');
    assert.equal(config.clients.length, 1);
    const [wasl] = config.clients;
    assert.equal(wasl.client_id, 'wasl');
    assert.equal(wasl.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(wasl.client_secret, fs.readFileSync(path.join(dir, 'client_secret'), 'utf8').trim());
    assert.deepEqual(wasl.redirect_uris, ['http://127.0.0.1:8080/signin/hospital/callback']);
    assert.deepEqual(wasl.post_logout_redirect_uris, ['http://127.0.0.1:8080/console/']);
    assert.equal(wasl.backchannel_logout_uri, 'http://127.0.0.1:8080/signin/hospital/backchannel-logout');
    const byName = Object.fromEntries(config.users.map((u) => [u.username, u]));
    assert.deepEqual(Object.keys(byName), ['nora', 'omar', 'huda']);
    assert.deepEqual([byName.nora.groups, byName.nora.mfa], [['wasl-sandbox-integrators'], true]);
    assert.deepEqual([byName.omar.groups, byName.omar.mfa], [['wasl-sandbox-integrators'], false]);
    assert.deepEqual([byName.huda.groups, byName.huda.mfa, byName.huda.fhir_user],
      [['wasl-sandbox-his-clinicians'], true, 'Practitioner/3']);
    assert.deepEqual(config.generatedPasswords.map((p) => p.username), ['nora', 'omar', 'huda']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
