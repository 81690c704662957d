#!/usr/bin/env node
'use strict';
// Starts the Chime peer on loopback and prints {"port":N} on one line of
// stdout once it accepts connections (and writes N to --port-file when given).
// Stops on SIGINT/SIGTERM. Every option has an environment variable; a flag wins.

const fs = require('node:fs');
const { ChimePeer } = require('./server');

const OPTIONS = {
  host: ['--host', 'CHIME_PEER_HOST', '127.0.0.1'],
  port: ['--port', 'CHIME_PEER_PORT', '0'],
  portFile: ['--port-file', 'CHIME_PEER_PORT_FILE', ''],
  accessKeyId: ['--access-key-id', 'CHIME_PEER_ACCESS_KEY_ID', 'AKIDEXAMPLE'],
  secretAccessKey: ['--secret-access-key', 'CHIME_PEER_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'],
  sessionToken: ['--session-token', 'CHIME_PEER_SESSION_TOKEN', ''],
  region: ['--region', 'CHIME_PEER_REGION', 'us-east-1'],
  account: ['--account', 'CHIME_PEER_ACCOUNT', '111122223333'],
  maxSkewSeconds: ['--max-skew-seconds', 'CHIME_PEER_MAX_SKEW_SECONDS', '900'],
  eventsUrl: ['--events-url', 'CHIME_PEER_EVENTS_URL', ''],
  eventsHeaderName: ['--events-header-name', 'CHIME_PEER_EVENTS_HEADER_NAME', 'x-wasl-eventbridge-secret'],
  eventsHeaderValue: ['--events-header-value', 'CHIME_PEER_EVENTS_HEADER_VALUE', ''],
  recordingBytes: ['--recording-bytes', 'CHIME_PEER_RECORDING_BYTES', String(1 << 20)],
  recordingSeed: ['--recording-seed', 'CHIME_PEER_RECORDING_SEED', 'wasl-chime-peer'],
  idleEndMs: ['--idle-end-ms', 'CHIME_PEER_IDLE_END_MS', String(5 * 60 * 1000)],
  concatenationMs: ['--concatenation-ms', 'CHIME_PEER_CONCATENATION_MS', '100'],
};
const NUMERIC = new Set(['port', 'maxSkewSeconds', 'recordingBytes', 'idleEndMs', 'concatenationMs']);

function usage() {
  const lines = Object.entries(OPTIONS).map(([, [flag, env, def]]) =>
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
    if (!Number.isSafeInteger(n) || (n < 0 && name !== 'maxSkewSeconds')) {
      throw new Error(`${OPTIONS[name][0]} must be an integer, got ${JSON.stringify(values[name])}`);
    }
    values[name] = n;
  }
  values.credentials = [{
    accessKeyId: values.accessKeyId,
    secretAccessKey: values.secretAccessKey,
    sessionToken: values.sessionToken || undefined,
  }];
  return values;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`chime-peer: ${err.message}\n${usage()}`);
    process.exit(2);
  }
  const peer = new ChimePeer(options);
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
  process.stderr.write(`chime-peer: ${err.message}\n`);
  process.exit(1);
});
