'use strict';
// runPeer as a process: the port file, the answer on stdout, exit statuses
// and the graceful stop.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn } = require('node:child_process');
const { request, poll } = require('./helpers');
const { runScript } = require('../src');

const MAIN = path.join(__dirname, '../example/src/main.js');

function start(args, env = {}) {
  return runScript(MAIN, args, env);
}

test('writes the port file once listening, answers, and exits 0 on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-support-'));
  const portFile = path.join(dir, 'peer.port');
  const { child, out, exited } = start(['--port-file', portFile], { EXAMPLE_PEER_TOKEN: 'from-env' });
  try {
    const port = await poll(() => fs.existsSync(portFile) && Number(fs.readFileSync(portFile, 'utf8')));
    assert.ok(port > 0);
    await poll(() => out.stdout.endsWith('\n'));
    assert.deepEqual(JSON.parse(out.stdout), { port });
    const made = await request(port, {
      method: 'POST', path: '/notes', headers: { authorization: 'Bearer from-env', 'idempotency-key': 'k' }, body: { text: 'x' },
    });
    assert.equal(made.status, 201);
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad option exits 2 with the usage; a taken port exits 1', async () => {
  const bad = start(['--colour', 'blue']);
  assert.deepEqual(await bad.exited, { code: 2, signal: null });
  assert.match(bad.out.stderr, /unknown option --colour/);
  assert.match(bad.out.stderr, /--port-file VALUE/);

  const taken = net.createServer();
  await new Promise((r) => taken.listen(0, '127.0.0.1', r));
  try {
    const busy = start(['--port', String(taken.address().port)]);
    assert.deepEqual(await busy.exited, { code: 1, signal: null });
    assert.match(busy.out.stderr, /EADDRINUSE/);
  } finally {
    taken.close();
  }
});

test('a peer whose parent dies stops itself', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-support-'));
  const portFile = path.join(dir, 'peer.port');
  const pidFile = path.join(dir, 'peer.pid');
  // A parent that starts the peer, writes its pid and exits at once.
  const parent = spawn(process.execPath, ['-e', `
    const { spawn } = require('node:child_process');
    const child = spawn(process.execPath, [${JSON.stringify(MAIN)}, '--port-file', ${JSON.stringify(portFile)}],
      { stdio: 'ignore', detached: true });
    require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
    const wait = setInterval(() => { if (require('node:fs').existsSync(${JSON.stringify(portFile)})) process.exit(0); }, 20);
  `], { stdio: 'ignore' });
  try {
    await new Promise((resolve) => parent.on('exit', resolve));
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    await poll(() => !alive(), 10000);
  } finally {
    if (fs.existsSync(pidFile)) { try { process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL'); } catch { /* gone */ } }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
