'use strict';
// For a peer's own node:test suite: its main.js as a child process, and a
// poll with a deadline (never a sleep used as synchronisation).

const { spawn } = require('node:child_process');

// Starts `node script ...args` with `env` on top of this process's
// environment. Returns { child, out: {stdout, stderr} (accumulating),
// exited: Promise<{code, signal}> }.
function runScript(script, args = [], env = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

// Calls `probe` (may be async) until it returns a truthy value, which it
// resolves with, or rejects once `deadlineMs` has passed.
async function poll(probe, deadlineMs = 10000, everyMs = 20) {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() >= until) throw new Error(`not true within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

module.exports = { runScript, poll };
