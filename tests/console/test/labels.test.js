// Every label the console shows exists in English and Arabic: the two
// catalogues of hub/console/static/i18n.js name the same keys, and every key
// the page (data-i18n) or its scripts (t('…')) ask for is in them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { sourceDir } from '../lib/harness.js';

const dir = path.join(sourceDir, 'hub/console/static');

async function labels() {
  const text = await readFile(path.join(dir, 'i18n.js'), 'utf8');
  const literal = /const LABELS = (\{[\s\S]*?\n\});/.exec(text);
  assert.ok(literal, 'i18n.js declares const LABELS = {…};');
  return vm.runInNewContext(`(${literal[1]})`);
}

test('English and Arabic name the same labels, none empty', async () => {
  const { en, ar } = await labels();
  assert.deepEqual(Object.keys(ar).sort(), Object.keys(en).sort());
  for (const [lang, catalogue] of Object.entries({ en, ar })) {
    for (const [key, value] of Object.entries(catalogue)) {
      assert.ok(typeof value === 'string' && value.trim() !== '', `${lang}.${key} is empty`);
    }
  }
  // Placeholders match, so a sentence says the same thing in both.
  for (const key of Object.keys(en)) {
    const names = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(names(ar[key]), names(en[key]), `placeholders of ${key}`);
  }
});

// An object literal keeps the last of two equal keys without a word, so a
// new label named like an old one would silently replace it.
test('no catalogue defines a label twice', async () => {
  const text = await readFile(path.join(dir, 'i18n.js'), 'utf8');
  for (const lang of ['en', 'ar']) {
    const block = new RegExp(`\\n  ${lang}: \\{\\n([\\s\\S]*?)\\n  \\},`).exec(text);
    assert.ok(block, `i18n.js has the ${lang} catalogue`);
    const keys = [...block[1].matchAll(/^ {4}(?:'([^']+)'|([a-z0-9_]+)):/gm)]
      .map((m) => m[1] ?? m[2]);
    assert.ok(keys.length > 100, `${lang}: ${keys.length} labels read`);
    const twice = keys.filter((key, i) => keys.indexOf(key) !== i);
    assert.deepEqual(twice, [], `${lang}: labels defined twice`);
  }
});

test('every label the page and the script ask for exists', async () => {
  const { en } = await labels();
  const html = await readFile(path.join(dir, 'index.html'), 'utf8');
  // Every script of the page but the API client and the catalogue itself.
  const scripts = (await readdir(dir)).filter((f) => f.endsWith('.js') &&
    !['api.js', 'i18n.js'].includes(f));
  assert.ok(scripts.includes('app.js'), `scripts read: ${scripts}`);
  const js = (await Promise.all(scripts.map((f) => readFile(path.join(dir, f), 'utf8')))).join('\n');
  const asked = new Set([
    ...[...html.matchAll(/data-i18n="([a-z0-9_]+)"/g)].map((m) => m[1]),
    ...[...js.matchAll(/\bt\(\s*'([a-z0-9_]+)'/g)].map((m) => m[1]),
    ...[...js.matchAll(/\?\s*'([a-z0-9_]+)'\s*:\s*'([a-z0-9_]+)'/g)].flatMap((m) => [m[1], m[2]])
      .filter((k) => k in en || /^(next_|kind_|alert_|confirm_|diff_)/.test(k)),
  ]);
  for (const key of asked) assert.ok(key in en, `label ${key} is missing`);
});
