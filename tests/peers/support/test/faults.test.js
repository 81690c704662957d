'use strict';
// Faults on their own: a peer's list of operations, and the count of rules
// that fired.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Faults } = require('../src');

test('with operations, a rule names one of them or *', () => {
  const faults = new Faults({ operations: ['SubmitClaim', 'Poll'] });
  assert.equal(faults.add({ operation: 'Submit', status: 500 }), 'operation must be SubmitClaim, Poll, *');
  assert.equal(faults.add({ operation: 'Poll', status: 500 }), null);
  assert.equal(faults.add({ operation: '*', status: 503 }), null);
  assert.equal(new Faults().add({ operation: 'Anything', status: 500 }), null);
});

test('fired counts the rules that fired until reset', () => {
  const faults = new Faults();
  assert.equal(faults.addAll({ operation: 'A', status: 500, count: 2 }), null);
  assert.equal(faults.take('B'), null);
  assert.equal(faults.take('A').status, 500);
  assert.equal(faults.take('A').status, 500);
  assert.equal(faults.take('A'), null);
  assert.deepEqual(faults.describe(), { rules: [], held: 0, fired: 2 });
  faults.reset();
  assert.equal(faults.describe().fired, 0);
});

test('perform tells fired() as the rule acts: before an error, after the effect otherwise', async () => {
  const faults = new Faults({ maxDelayMs: 120000 });
  assert.equal(faults.add({ operation: 'A', delayMs: 120001 }), 'delayMs must be an integer 0..120000');
  const seen = [];
  const run = () => faults.perform('A', {}, {
    effect: () => seen.push('effect'),
    answer: () => seen.push('answer'),
    fail: (rule) => seen.push(`fail ${rule.status}`),
    fired: (rule) => seen.push(`fired ${rule.status}${rule.afterEffect ? ' after' : ''}`),
  });
  faults.addAll([{ operation: 'A', status: 500 }, { operation: 'A', status: 503, afterEffect: true }]);
  await run();
  await run();
  await run();
  assert.deepEqual(seen, ['fired 500', 'fail 500', 'effect', 'fired 503 after', 'fail 503', 'effect', 'answer']);
});

test('rules of a peer\'s own kind: parsed, consumed, all or nothing, reset and described', () => {
  const faults = new Faults().defineRules('drops', {
    recognise: (rule) => rule.drop_events !== undefined,
    parse: (rule) => (rule.drop_events > 0 ? { remaining: rule.drop_events, type: rule.type || '*' } : 'drop_events must be positive'),
  });
  assert.equal(faults.addAll([{ drop_events: 2, type: 'ended' }, { drop_events: 0 }]), 'rule 2: drop_events must be positive');
  assert.deepEqual(faults.describe().drops, [], 'nothing of a refused batch is kept');
  assert.equal(faults.addAll([{ drop_events: 2, type: 'ended' }, { operation: 'A', status: 500 }]), null);
  assert.deepEqual(faults.describe().drops, [{ remaining: 2, type: 'ended' }]);
  assert.equal(faults.takeOwn('drops', (d) => d.type === 'started'), null);
  assert.deepEqual(faults.takeOwn('drops', (d) => d.type === 'ended'), { remaining: 1, type: 'ended' });
  assert.equal(faults.take('A').status, 500, 'the call rules are apart');
  faults.reset();
  assert.deepEqual(faults.describe().drops, []);
});

test('drop is true or "after" (after the effect) or "before" (no effect)', async () => {
  const faults = new Faults();
  assert.equal(faults.add({ operation: 'A', drop: 'sometimes' }), 'drop must be true, "after" or "before"');
  assert.equal(faults.add({ operation: 'A', drop: 'before', afterEffect: true }),
    'drop "before" closes the connection before the effect: no afterEffect');
  assert.equal(faults.addAll([{ operation: 'A', drop: 'before' }, { operation: 'A', drop: 'after' }, { operation: 'A', drop: true }]), null);
  assert.deepEqual(faults.describe().rules.map((r) => [r.drop, r.afterEffect]), [['before', false], [true, true], [true, true]]);
  const seen = [];
  const run = () => faults.perform('A', { socket: { destroy: () => seen.push('closed') } }, {
    effect: () => seen.push('effect'),
    answer: () => seen.push('answer'),
    fail: () => seen.push('fail'),
    fired: (rule) => seen.push(`fired ${rule.drop}`),
  });
  await run();
  await run();
  assert.deepEqual(seen, ['fired before', 'closed', 'effect', 'fired true', 'closed']);
});
