'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { parseOptions, usage, UsageError } = require('../src');

const DECLARATION = {
  envPrefix: 'DEMO_PEER',
  options: {
    region: { flag: '--region', default: 'us-east-1' },
    delayMs: { flag: '--delay-ms', default: 100, type: 'integer' },
    skew: { flag: '--skew-seconds', default: 900, type: 'integer', min: null },
  },
};

test('defaults, then the environment, then flags', () => {
  const none = parseOptions(DECLARATION, [], {}).values;
  assert.deepEqual(none, { host: '127.0.0.1', port: 0, portFile: '', region: 'us-east-1', delayMs: 100, skew: 900 });
  const env = { DEMO_PEER_REGION: 'me-central-1', DEMO_PEER_DELAY_MS: '7', DEMO_PEER_PORT_FILE: '/tmp/p' };
  const fromEnv = parseOptions(DECLARATION, [], env).values;
  assert.equal(fromEnv.region, 'me-central-1');
  assert.equal(fromEnv.delayMs, 7);
  assert.equal(fromEnv.portFile, '/tmp/p');
  const flags = parseOptions(DECLARATION, ['--region', 'eu-west-1', '--delay-ms=9', '--skew-seconds', '-1'], env).values;
  assert.equal(flags.region, 'eu-west-1');
  assert.equal(flags.delayMs, 9);
  assert.equal(flags.skew, -1);
});

test('malformed options are refused naming the flag', () => {
  const refused = (argv, pattern) => assert.throws(() => parseOptions(DECLARATION, argv, {}),
    (err) => err instanceof UsageError && pattern.test(err.message));
  refused(['--nope'], /unknown option --nope/);
  refused(['--region'], /--region needs a value/);
  refused(['--delay-ms', '-3'], /--delay-ms must be an integer ≥ 0/);
  refused(['--delay-ms', 'soon'], /--delay-ms must be an integer/);
  refused(['--port', '70000'], /--port must be 0..65535/);
  refused(['--host', '0.0.0.0'], /--host must be a loopback address/);
  assert.deepEqual(parseOptions(DECLARATION, ['--region', 'x', '--help'], {}), { help: true });
});

test('usage names every flag with its environment variable', () => {
  const text = usage(DECLARATION);
  for (const expected of ['--host', 'DEMO_PEER_HOST', '--port-file', 'DEMO_PEER_PORT_FILE', '--skew-seconds',
    'DEMO_PEER_SKEW_SECONDS']) {
    assert.ok(text.includes(expected), expected);
  }
});

test('booleans, lists, the check and the notes', () => {
  const declaration = {
    envPrefix: 'DEMO_PEER',
    notes: 'Give --key with --cert.',
    options: {
      strict: { flag: '--strict', default: false, type: 'boolean' },
      payers: { flag: '--payers', default: 'A,B', type: 'list' },
      cert: { flag: '--cert', default: '' },
      key: { flag: '--key', default: '' },
      adminPort: { flag: '--admin-port', default: 0, type: 'integer', port: true },
    },
    check: (values) => {
      if (Boolean(values.cert) !== Boolean(values.key)) throw new UsageError('--cert and --key go together');
    },
  };
  const none = parseOptions(declaration, [], {}).values;
  assert.equal(none.strict, false);
  assert.deepEqual(none.payers, ['A', 'B']);
  const given = parseOptions(declaration, ['--strict', 'true', '--payers', ' X , ,Y '], { DEMO_PEER_STRICT: 'false' }).values;
  assert.equal(given.strict, true);
  assert.deepEqual(given.payers, ['X', 'Y']);
  assert.throws(() => parseOptions(declaration, ['--strict', 'yes'], {}), /--strict must be true or false/);
  assert.throws(() => parseOptions(declaration, ['--cert', 'c.pem'], {}), /--cert and --key go together/);
  assert.throws(() => parseOptions(declaration, ['--admin-port', '65536'], {}), /--admin-port must be 0..65535/);
  assert.ok(usage(declaration).includes('Give --key with --cert.\n  --host'));
});
