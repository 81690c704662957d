#!/usr/bin/env node
'use strict';
// Starts the HL7 v2 peer on loopback: its MLLP listener on --port and its
// control API on --control-port (runPeer writes {"port":N,"control_port":M}
// to the port file and stdout once both accept connections; a graceful stop
// on SIGINT/SIGTERM). Every option has an environment variable
// (HL7V2_PEER_…); a flag wins.

const { runPeer } = require('../../support');
const { Hl7v2Peer } = require('./hl7v2_peer');

runPeer({
  name: 'hl7v2-peer',
  envPrefix: 'HL7V2_PEER',
  notes: '--port is the MLLP listener the hub sends its MDM documents to; --control-port the HTTP control API.',
  options: {
    controlPort: { flag: '--control-port', default: 0, type: 'integer', port: true, help: 'the HTTP control API; 0 for any free port' },
    hubHost: { flag: '--hub-host', default: '127.0.0.1', help: "the hub's MLLP listener host" },
    hubPort: { flag: '--hub-port', default: 0, type: 'integer', port: true, help: "the hub's MLLP listener port; 0: set later (POST /_peer/config)" },
    ackTimeoutMs: { flag: '--ack-timeout-ms', default: 10000, type: 'integer', min: 1, help: 'how long a send waits for an ACK' },
    sendingApplication: { flag: '--sending-application', default: 'WASL_HIS', help: 'MSH-3 of what it sends' },
    sendingFacility: { flag: '--sending-facility', default: 'SANDBOX_HOSPITAL', help: 'MSH-4' },
    receivingApplication: { flag: '--receiving-application', default: 'WASL', help: 'MSH-5' },
    receivingFacility: { flag: '--receiving-facility', default: 'WASL_HUB', help: 'MSH-6' },
  },
  create: (options) => new Hl7v2Peer(options),
});
