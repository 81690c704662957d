// Runs `node ARGS...` (the suite's `--test ...`) with one chromium for all
// of its files: launched here once, named to every file's process by
// WASL_CHROMIUM_ENDPOINT (openBrowser connects to it), closed when the run
// ends. A file's tests still each take a fresh browser context; a chromium
// per file cost its launch, its first page and its close, some 3 s each.
// Exits as the run did; a browser that cannot start fails the run.
import { spawn } from 'node:child_process';
import { openBrowser } from './harness.js';

const browser = await openBrowser();
const child = spawn(process.execPath, process.argv.slice(2), {
  stdio: 'inherit',
  env: { ...process.env, WASL_CHROMIUM_ENDPOINT: browser.wsEndpoint() },
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal));
}
const code = await new Promise((resolve) => {
  child.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
});
await browser.close();
process.exit(code);
