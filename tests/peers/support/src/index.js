'use strict';
// Wasl's test-peer support: what every peer in tests/peers/* shares.
// See ../README.md.

const { runPeer, writePortFile } = require('./run_peer');
const { parseOptions, usage, envName, UsageError } = require('./options');
const { PeerServer } = require('./peer_server');
const { Faults, checkCount, delay } = require('./faults');
const { Effects } = require('./effects');
const { ControlApi, ControlError } = require('./control_api');
const { readBody, sendJson, isLoopback, BodyTooLarge } = require('./http_io');
const { R4Validator } = require('./r4_validation');
const { runScript, poll } = require('./testing');

module.exports = {
  runPeer,
  writePortFile,
  parseOptions,
  usage,
  envName,
  UsageError,
  PeerServer,
  Faults,
  checkCount,
  delay,
  Effects,
  ControlApi,
  ControlError,
  readBody,
  sendJson,
  isLoopback,
  BodyTooLarge,
  R4Validator,
  runScript,
  poll,
};
