#!/usr/bin/env node
'use strict';
// Starts the NPHIES peer on loopback (runPeer). Once both ports accept
// connections (the R4 definitions are loaded first) it prints
// {"port":N,"control_port":M} on one line of stdout and writes the same JSON
// to --port-file when given. Stops on SIGINT/SIGTERM. Every option has an
// environment variable (NPHIES_PEER_…); a flag wins.

const path = require('node:path');
const { runPeer, UsageError } = require('../../support');
const { NphiesPeer } = require('./server');
const { Exchange } = require('./exchange');
const { loadDefinitions } = require('./r4_validation');

// An adjudication rule of the command line: 'OUTCOME' or 'queue:SECONDS:THEN'.
function adjudicationRule(text) {
  const [outcome, seconds, then] = String(text).split(':');
  return { outcome, queueSeconds: seconds === undefined ? 0 : Number(seconds), then: then || 'approve' };
}

// The rules of --eligibility, --claim-rule and --priorauth-rule (empty: as
// the claim rule).
function startRules(values) {
  return {
    eligibility: values.eligibility,
    claim: adjudicationRule(values.claimRule),
    priorauth: values.priorauthRule ? adjudicationRule(values.priorauthRule) : null,
  };
}

runPeer({
  name: 'nphies-peer',
  envPrefix: 'NPHIES_PEER',
  notes: [
    '  --pki-dir DIR names server.crt, server.key and ca.crt there (scripts/test-pki DIR makes them);',
    '  --cert-file, --key-file and --ca-file override single files.',
    '  --eligibility is eligible, not-inforce or no-member; --claim-rule is approve, reject,',
    '  partial or queue:SECONDS:THEN (THEN approve, reject or partial): the rules at start.',
    '  --priorauth-rule takes the same values for priorauth-requests (empty: as --claim-rule).',
  ].join('\n'),
  options: {
    controlPort: { flag: '--control-port', default: 0, type: 'integer', port: true, help: 'the plain-HTTP control API' },
    pkiDir: { flag: '--pki-dir', default: '' },
    certFile: { flag: '--cert-file', default: '' },
    keyFile: { flag: '--key-file', default: '' },
    caFile: { flag: '--ca-file', default: '' },
    providers: { flag: '--providers', default: 'N-F-00001', type: 'list' },
    payers: { flag: '--payers', default: 'N-I-00001', type: 'list' },
    eligibility: { flag: '--eligibility', default: 'eligible' },
    claimRule: { flag: '--claim-rule', default: 'approve' },
    priorauthRule: { flag: '--priorauth-rule', default: '' },
    serviceSystems: {
      flag: '--service-systems',
      type: 'list',
      default: 'http://nphies.sa/terminology/CodeSystem/services,http://nphies.sa/terminology/CodeSystem/medical-devices',
    },
  },
  check: (values) => {
    if (values.pkiDir) {
      values.certFile = values.certFile || path.join(values.pkiDir, 'server.crt');
      values.keyFile = values.keyFile || path.join(values.pkiDir, 'server.key');
      values.caFile = values.caFile || path.join(values.pkiDir, 'ca.crt');
    }
    for (const [name, flag] of [['certFile', '--cert-file'], ['keyFile', '--key-file'], ['caFile', '--ca-file']]) {
      if (!values[name]) throw new UsageError(`${flag} (or --pki-dir) is required: the exchange speaks mutual TLS only`);
    }
    values.rules = startRules(values);
    try {
      new Exchange({ ...values, validateR4: false });  // refuses rules it cannot follow
    } catch (err) {
      throw new UsageError(err.message);
    }
  },
  create: (options) => {
    loadDefinitions();
    return new NphiesPeer(options);
  },
});
