// The real hub for the console's browser tests: `wasl` built by CMake
// (WASL_BINARY), on its own SQLite file and key ring in a scratch directory,
// listening on a free loopback port; and Debian's chromium driven by
// puppeteer-core, with every console error, page error and failed request
// of the page recorded so a test can fail on them.
import { spawn, execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer-core';

const run = promisify(execFile);
const { runScript } = createRequire(import.meta.url)('../../peers/support');

export const sourceDir = process.env.WASL_SOURCE_DIR ??
  path.resolve(import.meta.dirname, '../../..');
export const artifactsDir = process.env.WASL_CONSOLE_ARTIFACTS ??
  path.join(sourceDir, 'build/dev/tests/console');

function binary() {
  const wasl = process.env.WASL_BINARY;
  if (!wasl) throw new Error('WASL_BINARY is not set (ctest sets it to the built wasl)');
  return wasl;
}

async function wasl(args) {
  try {
    return (await run(binary(), args, { timeout: 60_000 })).stdout;
  } catch (error) {
    throw new Error(`wasl ${args.join(' ')} failed: ${error.stderr || error.message}`);
  }
}

// Starts the hub; resolves once its log says where it listens. `bindings`:
// facility -> { role: instance }; `extra`: more top-level config lines
// (plugins, instances); `webhookSecrets`: facility -> "whsec_…" its systems
// sign their events to /v1/webhooks/hospital.<facility> with;
// `facilityLines`: facility -> more lines of its block (indented 4). Every
// facility lets its API keys sign in to the console (the tests sign in by
// key) unless `keySignIn` names the facilities that do.
// `port`: where the hub listens (0: any free port); `serverLines`: more
// lines of the server block (indented 2), e.g. its public_url.
export async function startHub({ facilities = ['hospital-a', 'hospital-b'], bindings = {},
  extra = [], webhookSecrets = {}, facilityLines = {}, keySignIn = facilities, port: listen = 0,
  serverLines = [] } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'wasl-console-'));
  const keys = path.join(dir, 'keys.json');
  const config = path.join(dir, 'wasl.yaml');
  await wasl(['keys', 'generate', '--file', keys]);
  await writeFile(config, [
    'server:', '  host: 127.0.0.1', `  port: ${listen}`, ...serverLines,
    // Every page and request of the suite comes from 127.0.0.1: the suite's
    // deliberate refusals (ended sessions, forged tokens, wrong keys) are
    // more than the default 10 a minute from one address when its tests run
    // quickly one after another, and the limiter would refuse the next
    // test's sign-in. The limiter has tests of its own (tests/security).
    'security:', `  key_file: ${keys}`, '  auth_failures_per_minute: 1000',
    'storage:', '  sqlite:', `    path: ${path.join(dir, 'wasl.db')}`,
    'workflow:', '  poll_interval: 20ms',
    'facilities:',
    ...facilities.flatMap((f) => [`  ${f}:`, `    name: ${f}`,
      ...(webhookSecrets[f] ? [`    webhook_secret: ${webhookSecrets[f]}`] : []),
      ...(bindings[f] ? ['    bindings:',
        ...Object.entries(bindings[f]).map(([role, instance]) => `      ${role}: ${instance}`)] : []),
      '    console:', `      api_key_sign_in: ${keySignIn.includes(f)}`,
      ...(facilityLines[f] ?? [])]),
    `workflows_dir: ${path.join(sourceDir, 'workflows')}`,
    ...extra,
    '',
  ].join('\n'));

  // A clinician key belongs to a practitioner (Practitioner/3 unless told).
  const apiKey = async (facility, role, practitioner = 'Practitioner/3') =>
    (await wasl(['apikeys', 'create', '--facility', facility, '--role', role,
      ...(role === 'clinician' ? ['--practitioner', practitioner] : []), '--config', config]))
      .split('\n')[0].trim();

  const child = spawn(binary(), ['serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the hub did not listen within 30 s:\n${log}`)), 30_000);
    const onData = (chunk) => {
      log += chunk;
      const m = /listening on [^:"]+:(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the hub exited (${code}):\n${log}`)); });
  });
  child.removeAllListeners('exit');
  const base = `http://127.0.0.1:${port}`;

  async function stop() {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  }

  // A /v1 call with a key; answers { status, body }.
  async function api(method, target, key, body, idempotencyKey) {
    const headers = { Authorization: `Bearer ${key}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const response = await fetch(base + target, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  // A hospital system's event to /v1/webhooks/hospital.<facility>, signed
  // with Standard Webhooks; answers the HTTP status.
  async function hospitalEvent(facility, secret, id, event) {
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const keyBytes = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
    const signature = createHmac('sha256', keyBytes).update(`${id}.${timestamp}.${body}`).digest('base64');
    const response = await fetch(`${base}/v1/webhooks/hospital.${facility}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      },
      body,
    });
    await response.text();
    return response.status;
  }

  return { base, port, dir, apiKey, api, hospitalEvent, stop, log: () => log };
}

// A loopback port free now, for a server whose address must be written
// into another's configuration before it starts (the identity provider and
// the hub name each other).
export async function freePort(host = '127.0.0.1') {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// The OpenID Connect provider of tests/peers/oidc on `port`, with `config`
// (issuer, clients, users) written to a scratch file; resolves once it says
// where it listens. stop() ends it by its pid.
export async function startOidcPeer({ port, config }) {
  const dir = await mkdtemp(path.join(tmpdir(), 'wasl-console-oidc-'));
  const file = path.join(dir, 'oidc.json');
  await writeFile(file, JSON.stringify(config, null, 2));
  const script = path.join(sourceDir, 'tests/peers/oidc/src/main.js');
  const { child, out, exited } = runScript(script, ['--port', String(port), '--config', file]);
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the oidc peer did not start within 20 s:\n${out.stderr}`)), 20_000);
    const onData = () => {
      const m = /oidc peer listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out.stdout);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the oidc peer exited (${code}):\n${out.stdout}\n${out.stderr}`));
    });
  });
  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
  return { base, stop, log: () => out.stdout + out.stderr };
}

// Debian's chromium. `extraArgs`: more command-line switches (the join
// page's tests add fake media). Under lib/suite.js (WASL_CHROMIUM_ENDPOINT
// set) a file without extra switches connects to the suite's chromium
// instead; its close() then closes the browser contexts the file opened and
// leaves the browser to the suite.
export async function openBrowser({ extraArgs = [] } = {}) {
  const endpoint = process.env.WASL_CHROMIUM_ENDPOINT;
  if (endpoint && extraArgs.length === 0) {
    const browser = await puppeteer.connect({ browserWSEndpoint: endpoint });
    const opened = [];
    const createBrowserContext = browser.createBrowserContext.bind(browser);
    browser.createBrowserContext = async (...options) => {
      const context = await createBrowserContext(...options);
      opened.push(context);
      return context;
    };
    browser.close = async () => {
      await Promise.all(opened.filter((c) => !c.closed).map((c) => c.close()));
      await browser.disconnect();
    };
    return browser;
  }
  const args = ['--disable-dev-shm-usage', '--no-first-run', '--lang=en-US', ...extraArgs];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: process.env.WASL_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
    timeout: 30_000,
  });
  return browser;
}

// Chromium launched at once, so that it starts while the caller starts the
// hub and its peers: ready() answers the browser (or the launch's error);
// close() closes it whether or not anyone awaited it.
export function launchBrowser(options = {}) {
  const launched = openBrowser(options);
  launched.catch(() => {});  // reported by ready()
  return {
    ready: () => launched,
    close: async () => (await launched.catch(() => null))?.close(),
  };
}

// Enters `text` in the field at once, as a paste does (the field held
// nothing, or is replaced): its value and an input event. Typing a 69-character
// API key one key at a time costs seconds of browser round trips per sign-in.
export async function fill(page, selector, text) {
  await page.$eval(selector, (field, value) => {
    field.value = value;
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

// Refusals the console expects and shows as answers, not problems: it asks
// on load whether the browser holds a session (GET /v1/session), and a
// browser without one is answered 401, which is how the sign-in screen
// starts; a consultation's feedback (GET /v1/consultations/{id}/feedback)
// is answered 404 until the patient answers, which the page shows as "No
// answer yet".
function expectedRefusal(url, status) {
  const { pathname } = new URL(url);
  return (status === 401 && pathname === '/v1/session') ||
    (status === 404 && /^\/v1\/consultations\/[^/]+\/feedback$/.test(pathname));
}

export async function newPage(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location()?.url;
    const refused = /status of (\d{3})/.exec(message.text());
    if (url && refused && expectedRefusal(url, Number(refused[1]))) return;
    problems.push(`console error: ${message.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && !expectedRefusal(response.url(), response.status())) {
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  return { page, problems };
}

// A throwaway PKI for mutual TLS with the NPHIES peer (scripts/test-pki) in
// a new scratch directory; answers the directory.
export async function testPki() {
  const dir = await mkdtemp(path.join(tmpdir(), 'wasl-console-pki-'));
  await run(path.join(sourceDir, 'scripts/test-pki'), [dir], { timeout: 60_000 });
  return dir;
}

export async function screenshot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

// Starts the peer of tests/peers/<name> (its npm dependencies installed) on
// `port` (0: any free one); resolves once it prints its port (the first
// member of the JSON line it prints when listening).
export async function startPeer(name, { port = 0, args = [] } = {}) {
  const script = path.join(sourceDir, 'tests/peers', name, 'src/main.js');
  const { child, out, exited } = runScript(script, ['--port', String(port), ...args]);
  const ports = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the ${name} peer did not start within 20 s:\n${out.stderr}`)), 20_000);
    const onData = () => {
      const m = /\{"port":(\d+)(?:,"control_port":(\d+))?\}/.exec(out.stdout);
      if (m) { clearTimeout(timer); resolve({ port: Number(m[1]), controlPort: m[2] ? Number(m[2]) : 0 }); }
    };
    child.stdout.on('data', onData);
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`the ${name} peer exited (${code}):\n${out.stderr}`));
    });
  });
  async function stop() {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  }
  // POSTs `body` as JSON to the peer's control API (a peer started with
  // --control-port); answers the parsed reply.
  async function control(route, body) {
    if (!ports.controlPort) throw new Error(`the ${name} peer has no control port`);
    const res = await fetch(`http://127.0.0.1:${ports.controlPort}${route}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${route}: ${res.status} ${text}`);
    return JSON.parse(text);
  }
  // GETs a control route of the peer; answers the parsed reply.
  async function controlGet(route) {
    if (!ports.controlPort) throw new Error(`the ${name} peer has no control port`);
    const res = await fetch(`http://127.0.0.1:${ports.controlPort}${route}`);
    const text = await res.text();
    if (!res.ok) throw new Error(`${route}: ${res.status} ${text}`);
    return JSON.parse(text);
  }
  return { port: ports.port, stop, control, controlGet };
}
