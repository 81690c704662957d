#!/usr/bin/env node
// Starts the OIDC peer (see ../README.md): `--config <file.json>` names
// the issuer, clients and users. Options beside --host, --port and
// --port-file, each also from OIDC_PEER_<FLAG>. Prints the passwords it
// generated (one line per user), then `oidc peer listening on
// http://127.0.0.1:<port>` once it answers.

import { createRequire } from 'node:module';

import { loadConfig, ConfigError } from './config.js';

const require = createRequire(import.meta.url);
const { runPeer, UsageError } = require('../../support');

let config;

runPeer({
  name: 'oidc-peer',
  envPrefix: 'OIDC_PEER',
  options: {
    config: { flag: '--config', default: '', help: 'the config file (JSON): issuer, clients, users' },
    issuer: { flag: '--issuer', default: '', help: "the issuer, instead of the config's (default http://<host>:<port>)" },
    clientSecretFile: {
      flag: '--client-secret-file',
      default: '',
      help: 'the secret of the client the config gives none: read from this file, or generated and written there',
    },
  },
  check: (values) => {
    if (!values.config) throw new UsageError('--config is required');
    try {
      config = loadConfig(values.config, { clientSecretFile: values.clientSecretFile });
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    if (values.issuer) {
      try {
        const url = new URL(values.issuer);
        if (!['http:', 'https:'].includes(url.protocol) || url.search || url.hash) throw new Error('not an issuer');
      } catch {
        throw new UsageError('--issuer must be an http(s) URL without query or fragment');
      }
    }
  },
  create: async (values) => {
    // Loaded once the options are checked: oidc-provider warns about the runtime on load.
    const { OidcPeer } = await import('./oidc_peer.js');
    for (const { username, password } of config.generatedPasswords) {
      process.stdout.write(`oidc peer user ${username} password ${password}\n`);
    }
    return new OidcPeer({ config, issuer: values.issuer || config.issuer });
  },
  readyLine: ({ port }, values) => `oidc peer listening on http://${values.host.includes(':') ? `[${values.host}]` : values.host}:${port}`,
});
