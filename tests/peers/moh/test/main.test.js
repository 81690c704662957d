'use strict';
// src/main.js as a process: its flags, the port file and the graceful stop.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { runScript, poll } = require('../../support');

const MAIN = path.join(__dirname, '../src/main.js');

const run = (args) => runScript(MAIN, args);

test('wrong flags exit 2 naming the problem', async () => {
  for (const [args, pattern] of [
    [['--tls-key', 'k.pem'], /--tls-cert and --tls-key go together/],
    [['--allow-patient-names', 'yes'], /--allow-patient-names must be true or false/],
    [['--colour', 'blue'], /unknown option --colour/],
  ]) {
    const { out, exited } = run(args);
    assert.strictEqual((await exited).code, 2, args.join(' '));
    assert.match(out.stderr, pattern);
  }
});

test('writes its port, takes the token from the command line, stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'moh-peer-'));
  const portFile = path.join(dir, 'port');
  const { child, exited } = run(['--port-file', portFile, '--token', 'from-flag']);
  try {
    const port = await poll(() => fs.existsSync(portFile) && Number(fs.readFileSync(portFile, 'utf8')), 30000);
    const answer = await fetch(`http://127.0.0.1:${port}/fhir/MeasureReport`, {
      method: 'POST', headers: { Authorization: 'Bearer moh-sandbox-token' }, body: '{}' });
    assert.strictEqual(answer.status, 401);
    const effects = await (await fetch(`http://127.0.0.1:${port}/_peer/effects`)).json();
    assert.strictEqual(effects.unauthorized, 1);
    child.kill('SIGTERM');
    assert.strictEqual((await exited).code, 0);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
