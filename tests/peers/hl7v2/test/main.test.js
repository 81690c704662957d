'use strict';
// src/main.js as a process: its flags, the port file with both ports, the
// MLLP listener and the control API, and the graceful stop.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runScript, poll } = require('../../support');
const { sendToPeer, mdm } = require('./helpers');

const MAIN = path.join(__dirname, '../src/main.js');

test('wrong flags exit 2 naming the problem', async () => {
  for (const [args, pattern] of [
    [['--hub-port', '70000'], /--hub-port must be 0\.\.65535/],
    [['--ack-timeout-ms', '0'], /--ack-timeout-ms must be an integer ≥ 1/],
    [['--colour', 'blue'], /unknown option --colour/],
  ]) {
    const { out, exited } = runScript(MAIN, args);
    assert.strictEqual((await exited).code, 2, args.join(' '));
    assert.match(out.stderr, pattern);
  }
});

test('writes both ports, serves MLLP and the control API, stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hl7v2-peer-'));
  const portFile = path.join(dir, 'port');
  const { child, out, exited } = runScript(MAIN, ['--port-file', portFile], { HL7V2_PEER_HUB_PORT: '2575' });
  try {
    const ports = await poll(() => fs.existsSync(portFile) && JSON.parse(fs.readFileSync(portFile, 'utf8')), 30000);
    assert.ok(ports.port > 0 && ports.control_port > 0 && ports.port !== ports.control_port, JSON.stringify(ports));
    await poll(() => out.stdout.includes('\n'), 5000);
    assert.deepStrictEqual(JSON.parse(out.stdout.trim()), ports);
    const health = await (await fetch(`http://127.0.0.1:${ports.control_port}/_peer/health`)).json();
    assert.strictEqual(health.ok, true);
    assert.strictEqual(health.mllp_port, ports.port);
    assert.deepStrictEqual(health.hub, { host: '127.0.0.1', port: 2575 });
    const { ack } = await sendToPeer(ports.port, mdm());
    assert.strictEqual(ack.getSegment('MSA').getField(1).toString(), 'AA');
    const received = await (await fetch(`http://127.0.0.1:${ports.control_port}/_peer/received`)).json();
    assert.strictEqual(received.messages.length, 1);
    child.kill('SIGTERM');
    assert.strictEqual((await exited).code, 0);
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
