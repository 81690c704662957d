'use strict';
// PeerServer: the HTTP server every peer is. A peer extends it and
// implements handle(req, res, url) for the provider's own routes; requests
// under /_peer/ go to the control API, which has these routes built in:
//
//   GET  /_peer/effects           effectsView(): the effect counters (+ what the peer adds)
//   GET  /_peer/received/{kind}   the records of one kind, oldest first
//   GET  /_peer/faults            the pending fault rules
//   POST /_peer/faults            a rule, an array of rules or {"faults": [...]}; 400 if malformed
//   DELETE /_peer/faults          forget every rule and release hung calls; the peer's state stays
//   POST /_peer/reset             reset(): forget state, faults, effects; release hung calls
//
// A peer adds routes with this.control.route(...) (and may replace these).
//
// With `controlPort: true` the control API is served on a second listener,
// plain HTTP on the same loopback host, and the main one passes every path
// to handle(): for an HTTPS endpoint that demands a client certificate on
// every request, while the tests' control clients speak plain HTTP.

const http = require('node:http');
const https = require('node:https');
const { ControlApi, ControlError, isControlPath } = require('./control_api');
const { Effects } = require('./effects');
const { Faults } = require('./faults');
const { sendJson } = require('./http_io');

class PeerServer {
  // name: for messages ('chime-peer'); faults: a Faults (or a subclass);
  // keepAliveTimeoutMs: how long an idle client connection stays open;
  // tls: node:https server options (key, cert, ca, requestCert, …) to serve
  // HTTPS instead of HTTP (req.socket.getPeerCertificate() in handle());
  // controlPort: true to serve the control API on a listener of its own.
  constructor({
    name, faults = new Faults(), effects = new Effects(), keepAliveTimeoutMs = 5000, tls, controlPort = false,
  } = {}) {
    this.name = name || 'peer';
    this.faults = faults;
    this.effects = effects;
    this.control = new ControlApi({ translate: (err) => this.controlError(err) });
    this.control
      .route('GET', '/_peer/effects', () => this.effectsView())
      .route('GET', /^\/_peer\/received\/([^/]+)$/, ({ params }) => ({ records: this.effects.records(params[0]) }))
      .route('GET', '/_peer/faults', () => this.faults.describe())
      .route('POST', '/_peer/faults', ({ body }) => {
        const problem = this.faults.addAll(body);
        if (problem) throw new ControlError(400, problem);
        return this.faults.describe();
      })
      .route('DELETE', '/_peer/faults', () => {
        this.faults.reset();
        return this.faults.describe();
      })
      .route('POST', '/_peer/reset', () => {
        this.reset();
        return { ok: true };
      });
    const serve = (req, res) => {
      this.dispatch(req, res).catch((err) => this.internalError(err, req, res));
    };
    this.server = tls ? https.createServer(tls, serve) : http.createServer(serve);
    this.server.keepAliveTimeout = keepAliveTimeoutMs;
    this.controlServer = null;
    if (controlPort) {
      this.controlServer = http.createServer((req, res) => {
        this.dispatchControl(req, res).catch((err) => this.internalError(err, req, res));
      });
      this.controlServer.keepAliveTimeout = keepAliveTimeoutMs;
    }
  }

  // The provider's routes. Subclasses implement it.
  async handle(req, res) {
    sendJson(res, 404, { error: 'not found' });
  }

  // An exception handle() did not turn into an answer: logged, 500 (or the
  // connection closed when the answer had started). Subclasses answer in
  // their provider's error format by overriding errorAnswer().
  internalError(err, req, res) {
    process.stderr.write(`${this.name}: ${err && err.stack ? err.stack : err}\n`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.errorAnswer(res, err);
  }

  // The 500 answer for `err`, in the provider's format.
  errorAnswer(res) {
    sendJson(res, 500, { error: 'Internal peer error.' });
  }

  async dispatch(req, res) {
    const url = new URL(req.url || '/', 'http://peer.invalid');
    if (!this.controlServer && isControlPath(url.pathname)) {
      await this.control.handle(req, res, url);
      return;
    }
    await this.handle(req, res, url);
  }

  // A request on the control listener: the control API, nothing else.
  async dispatchControl(req, res) {
    const url = new URL(req.url || '/', 'http://peer.invalid');
    if (!isControlPath(url.pathname)) {
      sendJson(res, 404, { error: `The control port serves /_peer/ only, not ${url.pathname}.` });
      return;
    }
    await this.control.handle(req, res, url);
  }

  // A ControlError for an error of the peer's own thrown by a control route
  // (then answered with its status), or null (then a 500). Subclasses map
  // their error types.
  controlError() {
    return null;
  }

  // GET /_peer/effects. Subclasses add their own views to super's.
  effectsView() {
    return this.effects.view();
  }

  // POST /_peer/reset. Subclasses reset their own state and call super.
  reset() {
    this.faults.reset();
    this.effects.reset();
  }

  // Listens on host:port (port 0: any free one), and the control listener
  // (if any) on host:controlPort; resolves with the main port.
  async listen({ host = '127.0.0.1', port = 0, controlPort = 0 } = {}) {
    await listenOn(this.server, host, port);
    if (this.controlServer) {
      try {
        await listenOn(this.controlServer, host, controlPort);
      } catch (err) {
        await new Promise((resolve) => this.server.close(() => resolve()));
        throw err;
      }
    }
    return this.port;
  }

  get port() {
    return portOf(this.server);
  }

  // The control listener's port; 0 without one (the control API is then on
  // `port`).
  get controlPort() {
    return this.controlServer ? portOf(this.controlServer) : 0;
  }

  // Stops accepting, closes every connection (hung calls included) and
  // resolves when the listeners have closed.
  close() {
    this.faults.releaseHeld();
    const servers = [this.server, this.controlServer].filter((s) => s && s.listening);
    return Promise.all(servers.map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    })).then(() => undefined);
  }
}

function listenOn(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function portOf(server) {
  const address = server.address();
  return address ? address.port : 0;
}

module.exports = { PeerServer };
