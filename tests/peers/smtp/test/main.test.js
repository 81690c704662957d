'use strict';
// src/main.js: its command line, the port file with both ports, a graceful
// stop on SIGTERM.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runScript, poll } = require('../../support');
const { makePki, SmtpSession, control } = require('./helpers');

const MAIN = path.join(__dirname, '..', 'src', 'main.js');

test('--help lists the options', async () => {
  const run = runScript(MAIN, ['--help']);
  assert.equal((await run.exited).code, 0);
  assert.match(run.out.stdout, /--control-port/);
  assert.match(run.out.stdout, /--pki-dir/);
});

test('without a certificate it refuses to start (exit 2)', async () => {
  const run = runScript(MAIN, ['--port', '0']);
  assert.equal((await run.exited).code, 2);
  assert.match(run.out.stderr, /STARTTLS/);
});

test('it writes both ports, speaks SMTP on one and the control API on the other, and stops on SIGTERM', async () => {
  const pki = makePki();
  const portFile = path.join(os.tmpdir(), `wasl-smtp-peer-${process.pid}.port`);
  fs.rmSync(portFile, { force: true });
  const run = runScript(MAIN, ['--port', '0', '--control-port', '0', '--port-file', portFile, '--pki-dir', pki]);
  try {
    const ports = await poll(() => fs.existsSync(portFile) && JSON.parse(fs.readFileSync(portFile, 'utf8')), 20000);
    assert.ok(ports.port > 0 && ports.control_port > 0 && ports.port !== ports.control_port);
    const s = await SmtpSession.connect(ports.port);
    assert.equal((await s.reply()).code, 220);
    s.close();
    const effects = await control(ports.control_port, 'GET', '/_peer/effects');
    assert.equal(effects.status, 200);
    assert.equal((await control(ports.control_port, 'GET', '/fhir')).status, 404);
  } finally {
    run.child.kill('SIGTERM');
    const { code } = await run.exited;
    assert.equal(code, 0, run.out.stderr);
    fs.rmSync(portFile, { force: true });
    fs.rmSync(path.dirname(pki), { recursive: true, force: true });
  }
});
