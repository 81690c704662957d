#!/usr/bin/env node
'use strict';
// Starts the MOH peer on loopback and prints {"port":N} on one line of stdout
// once it accepts connections (and writes N to --port-file when given).
// Stops on SIGINT/SIGTERM. Every option has an environment variable; a flag wins.

const fs = require('node:fs');
const { MohPeer } = require('./server');

const OPTIONS = {
  host: ['--host', 'MOH_PEER_HOST', '127.0.0.1'],
  port: ['--port', 'MOH_PEER_PORT', '0'],
  portFile: ['--port-file', 'MOH_PEER_PORT_FILE', ''],
  token: ['--token', 'MOH_PEER_TOKEN', 'moh-sandbox-token'],
  allowPatientNames: ['--allow-patient-names', 'MOH_PEER_ALLOW_PATIENT_NAMES', 'false'],
  tlsCert: ['--tls-cert', 'MOH_PEER_TLS_CERT', ''],
  tlsKey: ['--tls-key', 'MOH_PEER_TLS_KEY', ''],
  clientCa: ['--client-ca', 'MOH_PEER_CLIENT_CA', ''],
};

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
  const port = Number(values.port);
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  values.port = port;
  if (!['true', 'false'].includes(values.allowPatientNames)) throw new Error('--allow-patient-names must be true or false');
  values.allowPatientNames = values.allowPatientNames === 'true';
  if (Boolean(values.tlsCert) !== Boolean(values.tlsKey)) throw new Error('--tls-cert and --tls-key go together');
  if (values.clientCa && !values.tlsCert) throw new Error('--client-ca needs --tls-cert and --tls-key');
  return values;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`moh-peer: ${err.message}\n${usage()}`);
    process.exit(2);
  }
  const peer = new MohPeer(options);
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
  process.stderr.write(`moh-peer: ${err.message}\n`);
  process.exit(1);
});
