#!/usr/bin/env node
'use strict';
// Starts the Twilio Video emulator on loopback and prints {"port":N} on one
// line of stdout once it accepts connections (and writes N to --port-file when
// given). Stops on SIGINT/SIGTERM. Every option has an environment variable;
// a flag wins.

const fs = require('node:fs');
const { TwilioPeer } = require('./server');

const OPTIONS = {
  host: ['--host', 'TWILIO_PEER_HOST', '127.0.0.1'],
  port: ['--port', 'TWILIO_PEER_PORT', '0'],
  portFile: ['--port-file', 'TWILIO_PEER_PORT_FILE', ''],
  accountSid: ['--account-sid', 'TWILIO_PEER_ACCOUNT_SID', 'AC00000000000000000000000000000000'],
  authToken: ['--auth-token', 'TWILIO_PEER_AUTH_TOKEN', 'wasl-test-auth-token'],
  apiKeySid: ['--api-key-sid', 'TWILIO_PEER_API_KEY_SID', 'SK00000000000000000000000000000000'],
  apiKeySecret: ['--api-key-secret', 'TWILIO_PEER_API_KEY_SECRET', 'wasl-test-api-key-secret'],
  minuteMs: ['--minute-ms', 'TWILIO_PEER_MINUTE_MS', '60000'],
  compositionMs: ['--composition-ms', 'TWILIO_PEER_COMPOSITION_MS', '200'],
  mediaBytes: ['--media-bytes', 'TWILIO_PEER_MEDIA_BYTES', String(1 << 20)],
  mediaSeed: ['--media-seed', 'TWILIO_PEER_MEDIA_SEED', 'wasl-twilio-peer'],
};
const NUMERIC = new Set(['port', 'minuteMs', 'compositionMs', 'mediaBytes']);

function usage() {
  const lines = Object.values(OPTIONS).map(([flag, env, def]) =>
    `  ${flag} VALUE   (env ${env}, default ${def === '' ? 'none' : JSON.stringify(def)})`);
  return `usage: node src/main.js [options]\n${lines.join('\n')}\n`;
}

function parseArgs(argv, env) {
  const values = {};
  for (const [name, [, envName, def]] of Object.entries(OPTIONS)) values[name] = env[envName] ?? def;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write(usage());
      process.exit(0);
    }
    const entry = Object.entries(OPTIONS).find(([, [flag]]) => argv[i] === flag || argv[i].startsWith(`${flag}=`));
    if (!entry) throw new Error(`unknown option ${argv[i]}`);
    const [name, [flag]] = entry;
    if (argv[i].startsWith(`${flag}=`)) {
      values[name] = argv[i].slice(flag.length + 1);
    } else {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      values[name] = argv[++i];
    }
  }
  for (const name of NUMERIC) {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || (n < 0 && name !== 'compositionMs')) {
      throw new Error(`${OPTIONS[name][0]} must be an integer, got ${JSON.stringify(values[name])}`);
    }
    values[name] = n;
  }
  return values;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`twilio-peer: ${err.message}\n${usage()}`);
    process.exit(2);
  }
  const peer = new TwilioPeer(options);
  const port = await peer.listen();
  if (options.portFile) {
    const tmp = `${options.portFile}.tmp`;
    fs.writeFileSync(tmp, `${port}\n`);
    fs.renameSync(tmp, options.portFile);
  }
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  const stop = () => peer.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`twilio-peer: ${err.message}\n`);
  process.exit(1);
});
