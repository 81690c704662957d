#!/usr/bin/env node
'use strict';
// Usage: node src/check_token_cli.js --key-sid SK… --secret S --account AC…
//                                    [--identity I] [--room R] TOKEN
// Prints {"valid":…,"reason":…,"header":…,"claims":…} and exits 0 when the
// token is acceptable, 1 when not, 2 on a usage error.

const { checkAccessToken } = require('./token_check');

const FLAGS = { '--key-sid': 'apiKeySid', '--secret': 'apiKeySecret', '--account': 'accountSid', '--identity': 'identity', '--room': 'room' };

function main(argv) {
  const expect = {};
  let token;
  for (let i = 0; i < argv.length; i++) {
    if (FLAGS[argv[i]]) {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      expect[FLAGS[argv[i]]] = argv[++i];
    } else if (token === undefined && !argv[i].startsWith('--')) {
      token = argv[i];
    } else {
      throw new Error(`unexpected argument ${argv[i]}`);
    }
  }
  for (const required of ['apiKeySid', 'apiKeySecret', 'accountSid']) {
    if (!expect[required]) throw new Error(`--${required === 'apiKeySid' ? 'key-sid' : required === 'apiKeySecret' ? 'secret' : 'account'} is required`);
  }
  if (!token) throw new Error('the token is required');
  const result = checkAccessToken(token, expect);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result.valid ? 0 : 1;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`check-token: ${err.message}\n`);
  process.exitCode = 2;
}
