'use strict';
// For the SMTP peer's tests: certificates from scripts/test-pki, a small
// SMTP client on node:net and node:tls (so a test can say anything, wrong
// things included), and the control API over HTTP.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const tls = require('node:tls');
const http = require('node:http');
const { execFileSync } = require('node:child_process');

const TEST_PKI = path.join(__dirname, '..', '..', '..', '..', 'scripts', 'test-pki');

// A fresh directory with scripts/test-pki's files; removed by the caller.
function makePki() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasl-smtp-peer-pki-'));
  execFileSync(TEST_PKI, [path.join(dir, 'pki'), '--days', '2'], { stdio: 'pipe', timeout: 60000 });
  return path.join(dir, 'pki');
}

// One SMTP conversation. Every wait is bounded (timeoutMs).
class SmtpSession {
  constructor(socket, timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.closed = false;
    this.attach(socket);
  }

  attach(socket) {
    this.socket = socket;
    this.buffer = '';
    this.waiter = null;
    socket.setEncoding('latin1');
    socket.on('data', (d) => {
      this.buffer += d;
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  wake() {
    if (this.waiter) this.waiter();
  }

  static connect(port, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new SmtpSession(socket, timeoutMs)));
      socket.once('error', reject);
    });
  }

  // The next whole reply: {code, text, lines}; {code: 0} when the server
  // closed the connection first.
  reply() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no SMTP reply within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const check = () => {
        const lines = [];
        let at = 0;
        for (;;) {
          const end = this.buffer.indexOf('\r\n', at);
          if (end < 0) break;
          const line = this.buffer.slice(at, end);
          lines.push(line);
          at = end + 2;
          if (/^\d{3}(?: |$)/.test(line)) {
            this.buffer = this.buffer.slice(at);
            clearTimeout(timer);
            this.waiter = null;
            resolve({ code: Number(line.slice(0, 3)), text: line.slice(4), lines });
            return;
          }
        }
        if (this.closed) {
          clearTimeout(timer);
          this.waiter = null;
          resolve({ code: 0, text: '', lines });
        }
      };
      this.waiter = check;
      check();
    });
  }

  async command(line) {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  // STARTTLS, then the TLS handshake trusting `ca` (PEM).
  async startTls(ca) {
    const answer = await this.command('STARTTLS');
    if (answer.code !== 220) return answer;
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = await new Promise((resolve, reject) => {
      const s = tls.connect({ socket: plain, ca, servername: 'localhost' });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    this.attach(secure);
    return answer;
  }

  authPlain(username, password) {
    return this.command(`AUTH PLAIN ${Buffer.from(`\0${username}\0${password}`).toString('base64')}`);
  }

  async authLogin(username, password) {
    const first = await this.command('AUTH LOGIN');
    if (first.code !== 334) return first;
    const second = await this.command(Buffer.from(username).toString('base64'));
    if (second.code !== 334) return second;
    return this.command(Buffer.from(password).toString('base64'));
  }

  // DATA, then `raw` (CRLF lines; dot-stuffed here), then the end of data.
  async data(raw) {
    const go = await this.command('DATA');
    if (go.code !== 354) return go;
    const stuffed = raw.replace(/(^|\r\n)\./g, '$1..');
    this.socket.write(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
    return this.reply();
  }

  // Connects, EHLO, STARTTLS, EHLO, AUTH PLAIN: ready for MAIL.
  static async ready(port, { ca, username, password }) {
    const s = await SmtpSession.connect(port);
    const greeting = await s.reply();
    if (greeting.code !== 220) throw new Error(`greeting ${greeting.code}`);
    await s.command('EHLO client.test');
    const started = await s.startTls(ca);
    if (started.code !== 220) throw new Error(`STARTTLS ${started.code}`);
    await s.command('EHLO client.test');
    const auth = await s.authPlain(username, password);
    if (auth.code !== 235) throw new Error(`AUTH ${auth.code} ${auth.text}`);
    return s;
  }

  close() {
    this.socket.destroy();
  }
}

// The control API: {status, body (parsed JSON)}.
function control(port, method, pathname, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1', port, method, path: pathname,
      headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

// RFC 2047 B words of `text`, at most `limit` characters each, whole
// characters only.
function encodeWords(text, limit = 75) {
  const words = [];
  let chunk = '';
  for (const ch of text) {
    const next = chunk + ch;
    if (12 + Math.ceil(Buffer.byteLength(next) / 3) * 4 > limit) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      chunk = ch;
    } else {
      chunk = next;
    }
  }
  if (chunk) words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words;
}

// A message as Wasl's SMTP plugin writes one; `overrides` replace or (null)
// drop header fields; `body`, when given, is the raw encoded body.
function message({ to = 'patient@example.org', subject = 'Appointment', text = 'Hello', overrides = {}, body } = {}) {
  const base64 = Buffer.from(text.replace(/\r?\n/g, '\r\n')).toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '');
  const fields = {
    Date: 'Tue, 04 Mar 2025 09:05:00 +0000',
    From: '=?UTF-8?B?2YXYs9iq2LTZgdmJINin2YTYtdit2Kk=?= <clinic@hospital.example>',
    To: to,
    Subject: encodeWords(subject, 67).join('\r\n '),
    'Message-ID': '<0123456789abcdef0123456789abcdef@hospital.example>',
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': 'base64',
    'Content-Language': 'ar',
    ...overrides,
  };
  const header = Object.entries(fields).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return `${header}\r\n\r\n${body === undefined ? base64 : body}`;
}

module.exports = { makePki, SmtpSession, control, encodeWords, message };
