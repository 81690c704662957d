#!/usr/bin/env node
'use strict';
// Starts the STS peer on loopback (runPeer: the port file, {"port":N} on
// stdout once it accepts connections, a graceful stop on SIGINT/SIGTERM).
// Every option has an environment variable (STS_PEER_…); a flag wins.

const { runPeer, UsageError } = require('../../support');
const { StsPeer, ROLE_ARN } = require('./sts_peer');

runPeer({
  name: 'sts-peer',
  envPrefix: 'STS_PEER',
  notes: 'STS AssumeRoleWithWebIdentity (POST /, form); tokens minted by POST /_peer/tokens; control API under /_peer/.',
  options: {
    roleArn: { flag: '--role-arn', default: 'arn:aws:iam::123456789012:role/wasl-archive', help: 'the one role that may be assumed' },
    audience: { flag: '--audience', default: 'sts.amazonaws.com', help: 'the aud a token must carry' },
  },
  check: (values) => {
    if (!ROLE_ARN.test(values.roleArn)) throw new UsageError('--role-arn must be an IAM role ARN');
    if (!values.audience) throw new UsageError('--audience must not be empty');
  },
  create: (options) => new StsPeer(options),
});
