#!/usr/bin/env node
'use strict';
// Starts the example peer: see ../../README.md for what every peer's
// main.js gets from runPeer (options, port file, stop on SIGTERM).

const { runPeer } = require('../../src');
const { NotesPeer } = require('./notes_peer');

runPeer({
  name: 'example-peer',
  envPrefix: 'EXAMPLE_PEER',
  options: {
    token: { flag: '--token', default: 'example-token', help: 'the bearer token every call needs' },
  },
  create: (options) => new NotesPeer(options),
});
