#!/usr/bin/env node
'use strict';
// Starts the Twilio Video emulator on loopback (see ../../support/README.md
// for what runPeer adds: --host, --port, --port-file, {"port":N} on stdout,
// stop on SIGTERM). Every option has an environment variable; a flag wins.

const { runPeer } = require('../../support');
const { TwilioPeer } = require('./server');

runPeer({
  name: 'twilio-peer',
  envPrefix: 'TWILIO_PEER',
  options: {
    accountSid: { flag: '--account-sid', default: 'AC00000000000000000000000000000000' },
    authToken: { flag: '--auth-token', default: 'wasl-test-auth-token' },
    apiKeySid: { flag: '--api-key-sid', default: 'SK00000000000000000000000000000000' },
    apiKeySecret: { flag: '--api-key-secret', default: 'wasl-test-api-key-secret' },
    minuteMs: { flag: '--minute-ms', default: 60000, type: 'integer' },
    compositionMs: { flag: '--composition-ms', default: 200, type: 'integer', min: -1 },
    mediaBytes: { flag: '--media-bytes', default: 1 << 20, type: 'integer' },
    mediaSeed: { flag: '--media-seed', default: 'wasl-twilio-peer' },
  },
  create: (options) => new TwilioPeer(options),
});
