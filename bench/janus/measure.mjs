// One measurement for bench/janus/run: K two-party rooms on a running Janus
// (scripts/test-janus's DIR/endpoints), each created as plugins/janus creates
// them (VideoRoom `create` over the admin API with recording on, Opus/VP8,
// a token list), two participants per room (tests/janus_browser: chromium,
// fake 640x480 camera and microphone) each publishing and subscribing to the
// other. Once every participant publishes and receives the other, waits
// --settle seconds, then reads over --window seconds:
//   Janus's CPU time (utime + stime of its pid, /proc/PID/stat),
//   the machine's busy CPU time (/proc/stat, all CPUs, idle and iowait not
//   counted),
//   the bytes Janus recorded (.mjr files), as a check that media flows,
//   the participants' own CPU time (their node and chromium processes).
// Prints one line: "rooms janus_cpu_s machine_busy_s window_s recorded_bytes load1
// smallest_sent_frame median_sent_fps browsers_cpu_s" (frame as WxH, what the
// participants' browsers really send at the window's end; browsers_cpu_s the
// CPU time of the participants' node and chromium processes)
// or exits 1 with the reason (a participant that did not come up in
// --ramp seconds, a participant that failed). Every process it starts is
// stopped by its pid before it exits.
//
// usage: node bench/janus/measure.mjs --endpoints FILE --rooms K --work DIR
//          [--window S] [--settle S] [--ramp S] [--room-base N]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const publisherMain = path.resolve(here, '../../tests/janus_browser/src/main.js');

const { values } = parseArgs({
  options: {
    endpoints: { type: 'string' },
    rooms: { type: 'string' },
    work: { type: 'string' },
    window: { type: 'string', default: '20' },
    settle: { type: 'string', default: '3' },
    ramp: { type: 'string', default: '90' },
    'room-base': { type: 'string', default: '1000' },
  },
});
const rooms = Number(values.rooms);
const windowS = Number(values.window);
const settleS = Number(values.settle);
const rampS = Number(values.ramp);
const roomBase = Number(values['room-base']);
if (!values.endpoints || !values.work || !(rooms >= 1) || !(windowS > 0) || !(settleS >= 0) ||
    !(rampS > 0)) {
  console.error('usage: measure.mjs --endpoints FILE --rooms K --work DIR [--window S] [--settle S] [--ramp S]');
  process.exit(2);
}

const endpoints = Object.fromEntries(
  fs.readFileSync(values.endpoints, 'utf8').split('\n').filter((l) => l.includes('='))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
const janusPid = Number(endpoints.pid);
const CLK_TCK = 100;  // Linux's USER_HZ for /proc times on every architecture Debian ships

const delay = (ms) => new Promise((r) => { setTimeout(r, ms); });
const log = (line) => process.stderr.write(`  ${line}\n`);

async function admin(body) {
  const res = await fetch(endpoints.admin_url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, transaction: crypto.randomBytes(8).toString('hex'),
                           admin_secret: endpoints.admin_secret }),
    signal: AbortSignal.timeout(10000),
  });
  const doc = await res.json();
  if (doc.janus === 'error') throw new Error(`Janus ${body.janus}: ${doc.error?.code} ${doc.error?.reason}`);
  if (body.janus === 'message_plugin') {
    const answer = doc.response ?? {};
    if (answer.error_code) throw new Error(`VideoRoom ${body.request.request}: ${answer.error_code} ${answer.error}`);
    return answer;
  }
  return doc;
}
const videoroom = (request) => admin({ janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request });

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);  // utime, stime (fields 14 and 15)
}
const janusCpuTicks = () => cpuTicks(janusPid);
// The participants' processes (node and each chromium's processes), as a
// map pid -> ticks; a process that ends in the window counts up to its
// last reading.
function browserTicks(pids) {
  const out = new Map();
  for (const pid of pids) {
    try { out.set(pid, cpuTicks(pid)); } catch { /* gone */ }
  }
  return out;
}
function machineTicks() {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is inside user)
  const [user, nice, system, , , irq, softirq, steal] = cpu;
  return user + nice + system + irq + softirq + (steal ?? 0);
}
function recordedBytes() {
  let total = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.mjr')) total += fs.statSync(p).size;
    }
  };
  if (fs.existsSync(endpoints.recordings)) walk(endpoints.recordings);
  return total;
}

// Every descendant of `pid` (chromium and its helpers under a publisher).
function descendants(pid) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    for (const c of children.get(stack.pop()) ?? []) { out.push(c); stack.push(c); }
  }
  return out;
}
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

const publishers = [];  // {proc, portFile, port, room, feed}
const created = [];     // {room, secret, tokens}

async function stopAll() {
  // The publishers' node processes close their browsers on SIGTERM
  // (puppeteer's handler); whatever is left after 15 s is killed by pid.
  const tree = publishers.flatMap((p) => [p.proc.pid, ...descendants(p.proc.pid)]);
  for (const p of publishers) if (alive(p.proc.pid)) process.kill(p.proc.pid, 'SIGTERM');
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline && tree.some(alive)) await delay(100);
  for (const pid of tree) if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const r of created) {
    try {
      await videoroom({ request: 'destroy', room: r.room, secret: r.secret, permanent: false });
      for (const token of r.tokens) await admin({ janus: 'remove_token', token });
    } catch (e) { log(`cleanup of room ${r.room}: ${e.message}`); }
  }
}

async function main() {
  fs.mkdirSync(values.work, { recursive: true });
  for (let i = 0; i < rooms; i++) {
    const room = roomBase + i;
    const secret = crypto.randomBytes(24).toString('hex');
    await videoroom({
      request: 'create', room, admin_key: endpoints.room_admin_key, description: `bench ${room}`,
      secret, is_private: true, publishers: 2, audiocodec: 'opus', videocodec: 'vp8',
      record: true, rec_dir: path.join(endpoints.recordings, String(room)), allowed: [],
      permanent: false,
    });
    const tokens = [crypto.randomBytes(24).toString('hex'), crypto.randomBytes(24).toString('hex')];
    created.push({ room, secret, tokens });
    for (const token of tokens) {
      await admin({ janus: 'add_token', token, plugins: ['janus.plugin.videoroom'] });
    }
    await videoroom({ request: 'allowed', room, secret, action: 'add', allowed: tokens });
    for (let j = 0; j < 2; j++) {
      const portFile = path.join(values.work, `publisher-${room}-${j}.port`);
      const out = fs.openSync(path.join(values.work, `publisher-${room}-${j}.log`), 'w');
      const proc = spawn(process.execPath, [publisherMain, '--host', '127.0.0.1', '--port', '0',
                                            '--port-file', portFile],
                         { stdio: ['ignore', out, out] });
      fs.closeSync(out);
      publishers.push({ proc, portFile, room, feed: 10 + j, token: tokens[j] });
    }
  }
  const started = Date.now();
  const rampDeadline = started + rampS * 1000;
  for (const p of publishers) {
    while (!fs.existsSync(p.portFile)) {
      if (Date.now() > rampDeadline) throw new Error('a publisher wrote no port file');
      await delay(100);
    }
    p.port = Number(fs.readFileSync(p.portFile, 'utf8'));
  }
  // Publication: the whole measurement plus the ramp, so nobody leaves early;
  // the publishers are stopped once it is read.
  const seconds = rampS + settleS + windowS + 10;
  for (const p of publishers) {
    const res = await fetch(`http://127.0.0.1:${p.port}/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api: endpoints.api_url, room: p.room, token: p.token, feed: p.feed,
                             seconds, subscribe: true }),
    });
    if (res.status !== 202) throw new Error(`publisher ${p.room}/${p.feed}: HTTP ${res.status} ${await res.text()}`);
  }
  const status = async () => Promise.all(publishers.map(async (p) => {
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}/status`, { signal: AbortSignal.timeout(10000) });
      return await res.json();
    } catch (e) {
      const exit = p.proc.exitCode ?? p.proc.signalCode;
      throw new Error(`participant ${p.room}/${p.feed} did not answer its status` +
                      `${exit != null ? ` (its process ended: ${exit})` : ''}: ${e.cause?.code ?? e.message}`);
    }
  }));
  const checkFailed = (states) => {
    const bad = states.findIndex((s) => s.state === 'failed');
    if (bad >= 0) {
      const p = publishers[bad];
      throw new Error(`participant ${p.room}/${p.feed} failed: ${states[bad].error}`);
    }
  };
  for (;;) {
    const states = await status();
    checkFailed(states);
    if (states.every((s) => s.up && s.subscribed >= 1)) break;
    if (Date.now() > rampDeadline) {
      const up = states.filter((s) => s.up && s.subscribed >= 1).length;
      throw new Error(`${up} of ${publishers.length} participants publishing and receiving after ${rampS} s`);
    }
    await delay(200);
  }
  log(`${rooms} room(s), ${publishers.length} participants publishing and receiving after ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`);
  await delay(settleS * 1000);  // the measurement starts after a fixed settling time

  const t0 = process.hrtime.bigint();
  const j0 = janusCpuTicks();
  const m0 = machineTicks();
  const r0 = recordedBytes();
  const browserPids = publishers.flatMap((p) => [p.proc.pid, ...descendants(p.proc.pid)]);
  const b0 = browserTicks(browserPids);
  await delay(windowS * 1000);  // the measurement window itself
  const j1 = janusCpuTicks();
  const m1 = machineTicks();
  const r1 = recordedBytes();
  const b1 = browserTicks(browserPids);
  let browsers = 0;
  for (const [pid, ticks] of b0) browsers += (b1.get(pid) ?? ticks) - ticks;
  const t1 = process.hrtime.bigint();
  const end = await status();
  checkFailed(end);
  // The smallest frame and the median frame rate the participants send.
  const videos = end.map((s) => s.video ?? { width: 0, height: 0, fps: 0 });
  const smallest = videos.reduce((a, v) => (v.width * v.height < a.width * a.height ? v : a));
  const fps = videos.map((v) => v.fps).sort((a, b) => a - b)[Math.floor(videos.length / 2)];
  const wall = Number(t1 - t0) / 1e9;
  const load1 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  process.stdout.write(`${rooms} ${((j1 - j0) / CLK_TCK).toFixed(2)} ${((m1 - m0) / CLK_TCK).toFixed(2)} ` +
                       `${wall.toFixed(2)} ${r1 - r0} ${load1} ${smallest.width}x${smallest.height} ${fps} ` +
                       `${(browsers / CLK_TCK).toFixed(2)}\n`);
}

// Stopped from outside (bench/janus/run's time limit, ^C): the
// participants are still stopped by their pids.
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`measure: stopped by ${signal}`);
    stopAll().finally(() => process.exit(1));
  });
}

let code = 0;
try {
  await main();
} catch (e) {
  console.error(`measure: ${e.message}`);
  code = 1;
}
if (!stopping) {
  stopping = true;
  await stopAll();
  process.exit(code);
}
