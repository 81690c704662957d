#!/usr/bin/env node
'use strict';
// Starts Prism (@stoplight/prism-cli) in mock mode on the patched Twilio
// Video v1 OpenAPI spec, on loopback, and prints {"port":N} on one line of
// stdout once it answers (and writes N to --port-file when given; see
// ../../support/README.md for runPeer).
//
// Mock mode validates every request against the spec before answering: a
// request whose path, query, form body or Basic credentials do not fit gets
// 422 (401 without credentials) with the violations in a problem+json body;
// a valid one gets the spec's example. Nothing is forwarded anywhere.
// --errors makes response-side violations errors too.
//
// Options: runPeer's (--host, --port, --port-file) and --spec PATH (default:
// env TWILIO_PRISM_SPEC, else shared/data/video/twilio/twilio_video_v1.prism-patched.json
// in the shared/ folder beside the repository). Stops Prism on SIGINT/SIGTERM;
// exits when Prism does.

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const http = require('node:http');
const { spawn } = require('node:child_process');

const { runPeer } = require('../../support');

const DEFAULT_SPEC = process.env.TWILIO_PRISM_SPEC || path.resolve(__dirname, '../../../../../shared/data/video/twilio/twilio_video_v1.prism-patched.json');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function probe(host, port) {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/v1/Rooms', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function startPrism({ host = '127.0.0.1', port, spec = DEFAULT_SPEC, deadlineMs = 60000, log = () => {} }) {
  if (!fs.existsSync(spec)) throw new Error(`spec not found: ${spec}`);
  const chosen = port || await freePort();
  const bin = path.resolve(__dirname, '../node_modules/.bin/prism');
  const child = spawn(bin, ['mock', spec, '--host', host, '--port', String(chosen), '--errors'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d) => {
    output = (output + d.toString()).slice(-8000);
    log(d.toString());
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prism exited with ${child.exitCode}: ${output}`);
    if (await probe(host, chosen)) return { port: chosen, child, stop: () => stopChild(child) };
    await new Promise((r) => setTimeout(r, 200));
  }
  stopChild(child);
  throw new Error(`prism did not answer within ${deadlineMs} ms: ${output}`);
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

if (require.main === module) {
  runPeer({
    name: 'twilio-prism',
    envPrefix: 'TWILIO_PRISM',
    script: 'src/prism.js',
    options: { spec: { flag: '--spec', default: DEFAULT_SPEC, help: 'the OpenAPI spec Prism serves' } },
    create: ({ spec }) => {
      let prism = null;
      let closing = false;
      return {
        async listen({ host, port }) {
          prism = await startPrism({ host, port, spec: path.resolve(spec), log: (s) => process.stderr.write(s) });
          prism.child.on('exit', (code) => {
            if (!closing) process.exit(code === null ? 1 : code);
          });
          return prism.port;
        },
        close: () => {
          closing = true;
          return prism ? prism.stop() : Promise.resolve();
        },
      };
    },
  });
}

module.exports = { startPrism, DEFAULT_SPEC };
