'use strict';
// src/main.js as a process: its flags, the port file and the graceful stop.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { runScript, poll } = require('../../support');

const MAIN = path.join(__dirname, '../src/main.js');

test('wrong flags exit 2 naming the problem', async () => {
  for (const [args, pattern] of [
    [['--receipt-status', 'SENT'], /--receipt-status must be one of/],
    [['--senders', ''], /--senders needs at least one name/],
    [['--recipient-prefixes', '+966'], /--recipient-prefixes are country codes/],
    [['--receipt-url', 'not a url'], /--receipt-url is not a URL/],
    [['--max-segments', '0'], /--max-segments must be an integer ≥ 1/],
    [['--colour', 'blue'], /unknown option --colour/],
  ]) {
    const { out, exited } = runScript(MAIN, args);
    assert.strictEqual((await exited).code, 2, args.join(' '));
    assert.match(out.stderr, pattern);
  }
});

test('writes its port, takes the key and senders from the command line, stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sms-peer-'));
  const portFile = path.join(dir, 'port');
  const { child, exited } = runScript(MAIN, ['--port-file', portFile, '--api-key', 'from-flag'],
    { SMS_PEER_SENDERS: 'Clinic,Wasl' });
  try {
    const port = await poll(() => fs.existsSync(portFile) && Number(fs.readFileSync(portFile, 'utf8')), 30000);
    const send = (key, sender) => fetch(`http://127.0.0.1:${port}/v1/messages`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}` },
      body: JSON.stringify({ recipients: ['966501234567'], body: 'Hello', sender }),
    });
    assert.strictEqual((await send('sms-sandbox-key', 'Clinic')).status, 401);
    assert.strictEqual((await send('from-flag', 'Clinic')).status, 201);
    const config = await (await fetch(`http://127.0.0.1:${port}/_peer/config`)).json();
    assert.deepStrictEqual(config.senders, ['Clinic', 'Wasl']);
    child.kill('SIGTERM');
    assert.strictEqual((await exited).code, 0);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
