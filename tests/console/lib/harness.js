// The real hub for the console's browser tests: `wasl` built by CMake
// (WASL_BINARY), on its own SQLite file and key ring in a scratch directory,
// listening on a free loopback port; and Debian's chromium driven by
// puppeteer-core, with every console error, page error and failed request
// of the page recorded so a test can fail on them.
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer-core';

const run = promisify(execFile);

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

// Starts the hub; resolves once its log says where it listens.
export async function startHub({ facilities = ['hospital-a', 'hospital-b'] } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'wasl-console-'));
  const keys = path.join(dir, 'keys.json');
  const config = path.join(dir, 'wasl.yaml');
  await wasl(['keys', 'generate', '--file', keys]);
  await writeFile(config, [
    'server:', '  host: 127.0.0.1', '  port: 0',
    'security:', `  key_file: ${keys}`,
    'storage:', '  sqlite:', `    path: ${path.join(dir, 'wasl.db')}`,
    'workflow:', '  poll_interval: 20ms',
    'facilities:',
    ...facilities.flatMap((f) => [`  ${f}:`, `    name: ${f}`]),
    `workflows_dir: ${path.join(sourceDir, 'workflows')}`,
    '',
  ].join('\n'));

  const apiKey = async (facility, role) =>
    (await wasl(['apikeys', 'create', '--facility', facility, '--role', role, '--config', config]))
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

  return { base, port, apiKey, api, stop, log: () => log };
}

// A chromium page that records what must not happen in it.
export async function openBrowser() {
  const args = ['--disable-dev-shm-usage', '--no-first-run', '--lang=en-US'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: process.env.WASL_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
    timeout: 30_000,
  });
  return browser;
}

export async function newPage(browser) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });
  page.setDefaultTimeout(10_000);
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  return { page, problems };
}

export async function screenshot(page, name) {
  await mkdir(artifactsDir, { recursive: true });
  const file = path.join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
