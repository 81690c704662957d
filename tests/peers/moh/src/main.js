#!/usr/bin/env node
'use strict';
// Starts the MOH peer on loopback (runPeer: the port file, {"port":N} on
// stdout once it accepts connections, {"port":N,"control_port":M} over TLS,
// a graceful stop on SIGINT/SIGTERM).
// Every option has an environment variable (MOH_PEER_…); a flag wins.

const { runPeer, UsageError } = require('../../support');
const { MohPeer } = require('./server');
const { r4 } = require('./r4');

runPeer({
  name: 'moh-peer',
  envPrefix: 'MOH_PEER',
  options: {
    token: { flag: '--token', default: 'moh-sandbox-token', help: 'the bearer token it requires' },
    allowPatientNames: { flag: '--allow-patient-names', default: false, type: 'boolean' },
    tlsCert: { flag: '--tls-cert', default: '', help: 'with --tls-key: HTTPS' },
    tlsKey: { flag: '--tls-key', default: '' },
    clientCa: { flag: '--client-ca', default: '', help: 'require a client certificate from this CA' },
    controlPort: { flag: '--control-port', default: 0, type: 'integer', port: true, help: 'with --tls-cert: the plain-HTTP control API' },
  },
  check: (values) => {
    if (Boolean(values.tlsCert) !== Boolean(values.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
    if (values.clientCa && !values.tlsCert) throw new UsageError('--client-ca needs --tls-cert and --tls-key');
  },
  create: (options) => {
    r4.load();
    return new MohPeer(options);
  },
});
