// A WebRTC publisher for the Janus plugin's tests: Debian's chromium, driven
// by puppeteer-core with a fake camera and microphone
// (--use-fake-device-for-media-stream --use-fake-ui-for-media-stream), joins
// a VideoRoom as a publisher through Debian's janus.js and publishes audio
// and video for a given time, so Janus writes real .mjr recordings.
//
// Started like a peer (tests/peers/support/peer_process.hpp): `node
// src/main.js --host 127.0.0.1 --port 0 --port-file F`; it serves the page
// (janus.js and webrtc-adapter from /usr/share/javascript, nothing from the
// network) and a small control API:
//   POST /publish {api, room, token, feed, seconds[, subscribe]} -> 202 {state}
//   GET  /status  -> {state: "idle"|"publishing"|"done"|"failed",
//                     up, subscribed, video, published_ms, error}
// `up` turns true once the publication's media flows; `video` is what the
// camera's track is sent at ({width, height, fps}, every 2 s). With `subscribe: true`
// the participant also subscribes to every other publisher of the room (a
// two-party call, as bench/janus/run measures it), and `subscribed` counts
// the feeds whose media reaches it; the received tracks are not rendered.
// One publication at a time. A test tool only, never shipped.
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import puppeteer from 'puppeteer-core';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'port-file': { type: 'string', default: '' },
  },
});

const SCRIPTS = {
  '/janus.js': process.env.WASL_JANUS_JS ?? '/usr/share/javascript/janus-gateway/janus.js',
  '/adapter.js': process.env.WASL_WEBRTC_ADAPTER_JS ?? '/usr/share/javascript/webrtc-adapter/adapter.js',
};
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>publisher</title>
<script src="/adapter.js"></script><script src="/janus.js"></script></head>
<body><p>publisher</p></body></html>`;

let job = { state: 'idle' };
let listeningPort = 0;

function log(line) {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

// Runs in the page: joins `room` as publisher `feed` with `token`, publishes
// the fake camera and microphone, keeps them up `seconds` once the media
// flows, then leaves. With `subscribe`, also subscribes to each other
// publisher of the room. Reports progress through window.reportProgress
// ("up", "subscribed"). Resolves with how long the media was up.
function publishInPage({ api, room, token, feed, seconds, subscribe }) {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('no media within the time allowed')),
                             (seconds + 40) * 1000);
    const fail = (what) => (e) => {
      clearTimeout(guard);
      reject(new Error(`${what}: ${typeof e === 'string' ? e : JSON.stringify(e)}`));
    };
    Janus.init({
      debug: false,
      callback: () => {
        const janus = new Janus({
          server: api,
          token,
          error: fail('session'),
          success: () => {
            let handle = null;
            let up = false;
            const subscribedTo = new Set();
            // A subscriber handle per other publisher: joins with the same
            // token, answers Janus's offer, receives audio and video.
            const subscribeTo = (publishers) => {
              if (!subscribe || !Array.isArray(publishers)) return;
              for (const p of publishers) {
                if (p.id === feed || subscribedTo.has(p.id)) continue;
                subscribedTo.add(p.id);
                let remote = null;
                let flowing = false;
                janus.attach({
                  plugin: 'janus.plugin.videoroom',
                  error: fail('attach subscriber'),
                  success: (h) => {
                    remote = h;
                    remote.send({ message: { request: 'join', ptype: 'subscriber', room, token,
                                             streams: [{ feed: p.id }] } });
                  },
                  onmessage: (msg, jsep) => {
                    if (msg.error_code) return fail('subscriber')(`${msg.error_code} ${msg.error}`);
                    if (jsep) {
                      remote.createAnswer({
                        jsep,
                        tracks: [{ type: 'data' }],
                        success: (answer) => remote.send({ message: { request: 'start', room },
                                                           jsep: answer }),
                        error: fail('createAnswer'),
                      });
                    }
                    return undefined;
                  },
                  webrtcState: (on) => {
                    if (!on || flowing) return;
                    flowing = true;
                    window.reportProgress?.('subscribed');
                  },
                });
              }
            };
            janus.attach({
              plugin: 'janus.plugin.videoroom',
              error: fail('attach'),
              success: (h) => {
                handle = h;
                handle.send({ message: { request: 'join', ptype: 'publisher', room, id: feed, token,
                                         display: 'publisher' } });
              },
              onmessage: (msg, jsep) => {
                if (msg.error_code) return fail('videoroom')(`${msg.error_code} ${msg.error}`);
                subscribeTo(msg.publishers);
                if (msg.videoroom === 'joined') {
                  handle.createOffer({
                    tracks: [
                      { type: 'audio', capture: true, recv: false },
                      { type: 'video', capture: { width: 640, height: 480 }, recv: false },
                    ],
                    success: (offer) => handle.send({
                      message: { request: 'publish', audio: true, video: true }, jsep: offer }),
                    error: fail('createOffer'),
                  });
                }
                if (jsep) handle.handleRemoteJsep({ jsep, error: fail('answer') });
              },
              webrtcState: (on) => {
                if (!on || up) return;
                up = true;
                window.reportProgress?.('up');
                // What the camera's track is really sent at (a starved
                // browser lowers its resolution and frame rate).
                const sampler = setInterval(async () => {
                  const pc = handle.webrtcStuff?.pc;
                  if (!pc) return;
                  const stats = await pc.getStats();
                  stats.forEach((r) => {
                    if (r.type === 'outbound-rtp' && r.kind === 'video' && r.frameWidth) {
                      window.reportProgress?.('video', { width: r.frameWidth, height: r.frameHeight,
                                                         fps: r.framesPerSecond ?? 0 });
                    }
                  });
                }, 2000);
                const started = Date.now();
                setTimeout(() => {
                  clearInterval(sampler);
                  handle.send({ message: { request: 'unpublish' } });
                  const publishedMs = Date.now() - started;
                  janus.destroy({
                    success: () => { clearTimeout(guard); resolve({ published_ms: publishedMs }); },
                    error: fail('leave'),
                  });
                }, seconds * 1000);
              },
            });
          },
        });
      },
    });
  });
}

async function publish(request) {
  const args = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
                '--disable-dev-shm-usage', '--no-first-run',
                // Janus cannot resolve Chrome's mDNS host candidates.
                '--disable-features=WebRtcHideLocalIpsWithMdns'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const browser = await puppeteer.launch({
    executablePath: process.env.WASL_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args,
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => log(`page: ${m.text()}`));
    await page.exposeFunction('reportProgress', (what, detail) => {
      if (what === 'up') job.up = true;
      if (what === 'video') job.video = detail;
      if (what === 'subscribed') job.subscribed = (job.subscribed ?? 0) + 1;
    });
    await page.goto(`http://127.0.0.1:${listeningPort}/`);
    return await page.evaluate(publishInPage, request);
  } finally {
    await browser.close();
  }
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(PAGE);
  }
  if (req.method === 'GET' && SCRIPTS[url.pathname]) {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
    return fs.createReadStream(SCRIPTS[url.pathname]).pipe(res);
  }
  if (req.method === 'GET' && url.pathname === '/status') return answer(res, 200, job);
  if (req.method === 'POST' && url.pathname === '/publish') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      let request;
      try {
        request = JSON.parse(body);
      } catch {
        return answer(res, 400, { error: 'the body is not JSON' });
      }
      const { api, room, token, feed, seconds } = request;
      const subscribe = request.subscribe ?? false;
      if (typeof api !== 'string' || !Number.isInteger(room) || typeof token !== 'string' ||
          !Number.isInteger(feed) || !(seconds > 0) || typeof subscribe !== 'boolean') {
        return answer(res, 400, { error: 'needs api, room, token, feed and seconds (subscribe: a boolean)' });
      }
      if (job.state === 'publishing') return answer(res, 409, { error: 'already publishing' });
      job = { state: 'publishing', up: false, subscribed: 0 };
      log(`publishing to room ${room} as feed ${feed} for ${seconds} s${subscribe ? ', subscribing' : ''}`);
      publish({ api, room, token, feed, seconds, subscribe }).then(
        (result) => { job = { ...job, state: 'done', ...result }; log(`done: ${JSON.stringify(result)}`); },
        (error) => { job = { state: 'failed', error: String(error?.message ?? error) }; log(`failed: ${job.error}`); });
      return answer(res, 202, job);
    });
    return undefined;
  }
  return answer(res, 404, { error: 'no such route' });
});

server.listen(Number(values.port), values.host, () => {
  listeningPort = server.address().port;
  if (values['port-file']) {
    const tmp = `${values['port-file']}.tmp`;
    fs.writeFileSync(tmp, `${listeningPort}\n`);
    fs.renameSync(tmp, values['port-file']);
  }
  log(`publisher on ${values.host}:${listeningPort}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
