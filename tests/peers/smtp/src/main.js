#!/usr/bin/env node
'use strict';
// Starts the SMTP peer on loopback (runPeer): SMTP on --port, the control
// API on --control-port. Once both listen it prints
// {"port":N,"control_port":M} on one line of stdout and writes the same JSON
// to --port-file when given. Stops on SIGINT/SIGTERM. Every option has an
// environment variable (SMTP_PEER_…); a flag wins.

const fs = require('node:fs');
const path = require('node:path');
const { runPeer, UsageError } = require('../../support');
const { SmtpPeer } = require('./smtp_peer');

runPeer({
  name: 'smtp-peer',
  envPrefix: 'SMTP_PEER',
  notes: [
    '  STARTTLS is required, so the peer needs a certificate: --pki-dir DIR takes server.crt and',
    '  server.key there (scripts/test-pki DIR makes them); --tls-cert and --tls-key name single files.',
    '  AUTH PLAIN or LOGIN with --username and --password is required before MAIL.',
  ].join('\n'),
  options: {
    controlPort: { flag: '--control-port', default: 0, type: 'integer', port: true, help: 'the control API (plain HTTP, /_peer/)' },
    pkiDir: { flag: '--pki-dir', default: '' },
    tlsCert: { flag: '--tls-cert', default: '' },
    tlsKey: { flag: '--tls-key', default: '' },
    username: { flag: '--username', default: 'wasl-sandbox', help: 'the account AUTH must name' },
    password: { flag: '--password', default: 'smtp-sandbox-password', help: 'its password' },
    offerStarttls: { flag: '--offer-starttls', default: true, type: 'boolean', help: 'false: STARTTLS is not offered (a client must then refuse to go on)' },
    maxMessageBytes: { flag: '--max-message-bytes', default: 10485760, type: 'integer', min: 1024, help: 'SIZE: larger messages get 552' },
  },
  check: (values) => {
    if (values.pkiDir) {
      values.tlsCert = values.tlsCert || path.join(values.pkiDir, 'server.crt');
      values.tlsKey = values.tlsKey || path.join(values.pkiDir, 'server.key');
    }
    if (!values.tlsCert || !values.tlsKey) {
      throw new UsageError('--pki-dir, or --tls-cert and --tls-key, are required: the peer demands STARTTLS');
    }
    if (!values.username || !values.password) throw new UsageError('--username and --password must not be empty');
  },
  create: (values) => new SmtpPeer({
    key: fs.readFileSync(values.tlsKey),
    cert: fs.readFileSync(values.tlsCert),
    username: values.username,
    password: values.password,
    offerStarttls: values.offerStarttls,
    maxMessageBytes: values.maxMessageBytes,
  }),
});
