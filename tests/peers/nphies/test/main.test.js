'use strict';
// src/main.js as a process: its flags, both ports in the port file, the
// graceful stop.

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');
const { runScript, poll } = require('../../support');

const MAIN = path.join(__dirname, '../src/main.js');
const REPO = path.resolve(__dirname, '../../../..');

const run = (args) => runScript(MAIN, args);

test('without certificates, or with rules it cannot follow, it exits 2 naming why', async () => {
  for (const [args, pattern] of [
    [[], /--cert-file \(or --pki-dir\) is required/],
    [['--pki-dir', '/nonexistent', '--claim-rule', 'maybe'], /claim/],
    [['--pki-dir', '/nonexistent', '--priorauth-rule', 'queue:5:maybe'], /priorauth.then must be approve/],
    [['--pki-dir', '/nonexistent', '--control-port', '70000'], /--control-port must be 0..65535/],
  ]) {
    const { out, exited } = run(args);
    assert.equal((await exited).code, 2, args.join(' '));
    assert.match(out.stderr, pattern);
    assert.match(out.stderr, /--pki-dir DIR names server.crt/);
  }
});

test('writes both ports, serves the control API on the second, stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nphies-main-'));
  execFileSync(path.join(REPO, 'scripts/test-pki'), [path.join(dir, 'pki'), '--days', '2']);
  const portFile = path.join(dir, 'port');
  const { child, out, exited } = run(['--pki-dir', path.join(dir, 'pki'), '--port-file', portFile,
    '--claim-rule', 'queue:5:partial', '--priorauth-rule', 'queue:30:reject']);
  try {
    const ports = await poll(() => fs.existsSync(portFile) && JSON.parse(fs.readFileSync(portFile, 'utf8')), 60000);
    assert.ok(ports.port > 0 && ports.control_port > 0 && ports.port !== ports.control_port);
    await poll(() => out.stdout.endsWith('\n'));
    assert.deepEqual(JSON.parse(out.stdout), ports);
    const control = `http://127.0.0.1:${ports.control_port}`;
    assert.deepEqual(await (await fetch(`${control}/_peer/health`)).json(), { status: 'ok' });
    const rules = await (await fetch(`${control}/_peer/rules`, { method: 'POST', body: '{}' })).json();
    assert.deepEqual(rules.rules.claim, { outcome: 'queue', queueSeconds: 5, then: 'partial' });
    assert.deepEqual(rules.rules.priorauth, { outcome: 'queue', queueSeconds: 30, then: 'reject' });
    child.kill('SIGTERM');
    assert.equal((await exited).code, 0);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
