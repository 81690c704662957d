#!/usr/bin/env node
'use strict';
// Starts the Chime peer on loopback (see ../../support/README.md for what
// runPeer adds: --host, --port, --port-file, {"port":N} on stdout, stop on
// SIGTERM). Every option has an environment variable; a flag wins.

const { runPeer } = require('../../support');
const { ChimePeer } = require('./server');

runPeer({
  name: 'chime-peer',
  envPrefix: 'CHIME_PEER',
  options: {
    accessKeyId: { flag: '--access-key-id', default: 'AKIDEXAMPLE' },
    secretAccessKey: { flag: '--secret-access-key', default: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    sessionToken: { flag: '--session-token', default: '' },
    region: { flag: '--region', default: 'us-east-1' },
    account: { flag: '--account', default: '111122223333' },
    maxSkewSeconds: { flag: '--max-skew-seconds', default: 900, type: 'integer', min: null },
    eventsUrl: { flag: '--events-url', default: '' },
    eventsHeaderName: { flag: '--events-header-name', default: 'x-wasl-eventbridge-secret' },
    eventsHeaderValue: { flag: '--events-header-value', default: '' },
    recordingBytes: { flag: '--recording-bytes', default: 1 << 20, type: 'integer' },
    recordingSeed: { flag: '--recording-seed', default: 'wasl-chime-peer' },
    idleEndMs: { flag: '--idle-end-ms', default: 5 * 60 * 1000, type: 'integer' },
    concatenationMs: { flag: '--concatenation-ms', default: 100, type: 'integer' },
  },
  create: (options) => new ChimePeer({
    ...options,
    credentials: [{
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      sessionToken: options.sessionToken || undefined,
    }],
  }),
});
