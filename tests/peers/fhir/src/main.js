#!/usr/bin/env node
'use strict';
// Starts the FHIR peer (see ../README.md). Options beside --host, --port and
// --port-file, each also from FHIR_PEER_<FLAG>:

const fs = require('node:fs');
const path = require('node:path');
const { runPeer, UsageError } = require('../../support');

const { FIXTURES } = require('./fixtures');

const MODES = ['none', 'bearer', 'basic', 'smart'];

runPeer({
  name: 'fhir-peer',
  envPrefix: 'FHIR_PEER',
  options: {
    basePath: { flag: '--base-path', default: '/fhir/R4', help: 'the FHIR base path' },
    fhirVersion: {
      flag: '--fhir-version', default: '4.0.1', help: "the CapabilityStatement's fhirVersion (another to test a client's check)",
    },
    auth: { flag: '--auth', default: 'none', help: 'none, bearer, basic or smart' },
    clientId: { flag: '--client-id', default: 'wasl-hub', help: 'the SMART client the --jwks-file keys belong to' },
    jwksFile: { flag: '--jwks-file', default: '', help: "the SMART client's public JWK Set (JSON)" },
    publicKeyFile: { flag: '--public-key-file', default: '', help: "the SMART client's public key (PEM), instead of --jwks-file" },
    tokenLifetime: { flag: '--token-lifetime', default: 300, type: 'integer', min: 1, help: 'access token lifetime, seconds' },
    bearerToken: { flag: '--bearer-token', default: '', help: 'the token of --auth bearer' },
    basicUser: { flag: '--basic-user', default: '', help: 'the user of --auth basic' },
    basicPassword: { flag: '--basic-password', default: '', help: 'the password of --auth basic' },
    seed: { flag: '--seed', default: [], type: 'list', help: 'fixtures loaded at start: demo, saudi, examples (comma-separated)' },
    examplesDir: {
      flag: '--examples-dir',
      default: path.resolve(__dirname, '../../../../../shared/data/fhir'),
      help: 'the official R4 examples the examples fixture loads',
    },
  },
  check: (values) => {
    if (!MODES.includes(values.auth)) throw new UsageError(`--auth must be one of ${MODES.join(', ')}, got ${JSON.stringify(values.auth)}`);
    if (values.jwksFile && values.publicKeyFile) throw new UsageError('give --jwks-file or --public-key-file, not both');
    if (values.auth === 'bearer' && !values.bearerToken) throw new UsageError('--auth bearer needs --bearer-token');
    if (values.auth === 'basic' && (!values.basicUser || !values.basicPassword)) {
      throw new UsageError('--auth basic needs --basic-user and --basic-password');
    }
    for (const name of values.seed) {
      if (!Object.keys(FIXTURES).includes(name)) {
        throw new UsageError(`--seed: unknown fixture ${JSON.stringify(name)}; known: ${Object.keys(FIXTURES).join(', ')}`);
      }
    }
  },
  create: (options) => {
    // Loaded after the options are checked: the R4 definitions take a second.
    const { FhirPeer } = require('./fhir_peer');
    const { jwksOfPem } = require('./auth');
    let jwks;
    if (options.jwksFile) jwks = JSON.parse(fs.readFileSync(options.jwksFile, 'utf8'));
    if (options.publicKeyFile) {
      jwks = jwksOfPem(fs.readFileSync(options.publicKeyFile, 'utf8'));
      if (typeof jwks === 'string') throw new Error(`--public-key-file: ${jwks}`);
    }
    return new FhirPeer({ ...options, jwks });
  },
});
