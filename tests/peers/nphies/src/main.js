#!/usr/bin/env node
'use strict';
// Starts the NPHIES peer on loopback. Once both ports accept connections (the
// R4 definitions are loaded first) it prints {"port":N,"control_port":M} on
// one line of stdout and writes the same JSON to --port-file when given.
// Stops on SIGINT/SIGTERM. Every option has an environment variable; a flag wins.

const fs = require('node:fs');
const path = require('node:path');
const { NphiesPeer } = require('./server');
const { loadDefinitions } = require('./r4_validation');

const OPTIONS = {
  host: ['--host', 'NPHIES_PEER_HOST', '127.0.0.1'],
  port: ['--port', 'NPHIES_PEER_PORT', '0'],
  controlPort: ['--control-port', 'NPHIES_PEER_CONTROL_PORT', '0'],
  portFile: ['--port-file', 'NPHIES_PEER_PORT_FILE', ''],
  pkiDir: ['--pki-dir', 'NPHIES_PEER_PKI_DIR', ''],
  certFile: ['--cert-file', 'NPHIES_PEER_CERT_FILE', ''],
  keyFile: ['--key-file', 'NPHIES_PEER_KEY_FILE', ''],
  caFile: ['--ca-file', 'NPHIES_PEER_CA_FILE', ''],
  providers: ['--providers', 'NPHIES_PEER_PROVIDERS', 'N-F-00001'],
  payers: ['--payers', 'NPHIES_PEER_PAYERS', 'N-I-00001'],
  eligibility: ['--eligibility', 'NPHIES_PEER_ELIGIBILITY', 'eligible'],
  claimRule: ['--claim-rule', 'NPHIES_PEER_CLAIM_RULE', 'approve'],
  serviceSystems: ['--service-systems', 'NPHIES_PEER_SERVICE_SYSTEMS',
    'http://nphies.sa/terminology/CodeSystem/services,http://nphies.sa/terminology/CodeSystem/medical-devices'],
};
const NUMERIC = new Set(['port', 'controlPort']);
const LISTS = new Set(['providers', 'payers', 'serviceSystems']);

function usage() {
  const lines = Object.entries(OPTIONS).map(([, [flag, env, def]]) =>
    `  ${flag} VALUE   (env ${env}, default ${def === '' ? 'none' : JSON.stringify(def)})`);
  return 'usage: node src/main.js [options]\n' +
    '  --pki-dir DIR names server.crt, server.key and ca.crt there (scripts/test-pki DIR makes them);\n' +
    '  --cert-file, --key-file and --ca-file override single files.\n' +
    '  --eligibility is eligible, not-inforce or no-member; --claim-rule is approve, reject,\n' +
    '  partial or queue:SECONDS:THEN (THEN approve, reject or partial): the rules at start.\n' +
    `${lines.join('\n')}\n`;
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
    if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new Error(`${OPTIONS[name][0]} must be a port number`);
    values[name] = n;
  }
  for (const name of LISTS) values[name] = String(values[name]).split(',').map((s) => s.trim()).filter(Boolean);
  if (values.pkiDir) {
    values.certFile = values.certFile || path.join(values.pkiDir, 'server.crt');
    values.keyFile = values.keyFile || path.join(values.pkiDir, 'server.key');
    values.caFile = values.caFile || path.join(values.pkiDir, 'ca.crt');
  }
  const [outcome, seconds, then] = String(values.claimRule).split(':');
  values.rules = {
    eligibility: values.eligibility,
    claim: { outcome, queueSeconds: seconds === undefined ? 0 : Number(seconds), then: then || 'approve' },
  };
  for (const name of ['certFile', 'keyFile', 'caFile']) {
    if (!values[name]) throw new Error(`${OPTIONS[name][0]} (or --pki-dir) is required: the exchange speaks mutual TLS only`);
  }
  return values;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`nphies-peer: ${err.message}\n${usage()}`);
    process.exit(2);
  }
  loadDefinitions();
  let peer;
  try {
    peer = new NphiesPeer(options);
  } catch (err) {
    process.stderr.write(`nphies-peer: ${err.message}\n${usage()}`);
    process.exit(2);
  }
  const { port, controlPort } = await peer.listen();
  const ready = JSON.stringify({ port, control_port: controlPort });
  if (options.portFile) {
    const tmp = `${options.portFile}.tmp`;
    fs.writeFileSync(tmp, `${ready}\n`);
    fs.renameSync(tmp, options.portFile);
  }
  process.stdout.write(`${ready}\n`);
  const stop = () => peer.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`nphies-peer: ${err.message}\n`);
  process.exit(1);
});
