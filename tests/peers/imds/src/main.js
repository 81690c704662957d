#!/usr/bin/env node
'use strict';
// Starts the instance metadata service peer on loopback (runPeer: the port
// file, {"port":N} on stdout once it accepts connections, a graceful stop on
// SIGINT/SIGTERM). Every option has an environment variable (IMDS_PEER_…);
// a flag wins.

const { runPeer, UsageError } = require('../../support');
const { ImdsPeer, ROLE_NAME } = require('./imds_peer');

runPeer({
  name: 'imds-peer',
  envPrefix: 'IMDS_PEER',
  notes: 'IMDSv2 (PUT /latest/api/token, GET /latest/meta-data/iam/security-credentials/…); control API under /_peer/.',
  options: {
    role: { flag: '--role', default: 'wasl-archive', help: 'the instance profile\'s role name (empty: no role)' },
  },
  check: (values) => {
    if (values.role && !ROLE_NAME.test(values.role)) throw new UsageError('--role must be an IAM role name');
  },
  create: (options) => new ImdsPeer(options),
});
