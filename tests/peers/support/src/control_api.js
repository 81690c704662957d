'use strict';
// The /_peer/ control API: unsigned, for loopback clients only, JSON in and
// out. A route's handler gets { req, res, url, query, params, body } (body:
// the parsed JSON, {} when empty) and returns the value to answer with 200,
// or throws ControlError(status, message) to answer { "error": message };
// `translate(err)` may turn a peer's own errors into a ControlError.
// A handler that writes `res` itself returns nothing.

const { readBody, sendJson, isLoopback, BodyTooLarge } = require('./http_io');

const PREFIX = '/_peer';

class ControlError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function isControlPath(pathname) {
  return pathname === PREFIX || pathname.startsWith(`${PREFIX}/`);
}

class ControlApi {
  constructor({ bodyLimit = 1 << 20, translate = () => null } = {}) {
    this.bodyLimit = bodyLimit;
    this.translate = translate;
    this.routes = [];
  }

  // `pattern`: an exact path ('/_peer/effects') or a RegExp whose groups
  // become params (URL-decoded). A later route with the same method and
  // exact path replaces the earlier one, so a peer can override a built-in.
  route(method, pattern, handler) {
    if (typeof pattern === 'string') {
      this.routes = this.routes.filter((r) => !(r.method === method && r.pattern === pattern));
    }
    this.routes.push({ method, pattern, handler });
    return this;
  }

  match(method, pathname) {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      if (typeof r.pattern === 'string') {
        if (r.pattern === pathname) return { route: r, params: [] };
      } else {
        const m = r.pattern.exec(pathname);
        if (m) return { route: r, params: m.slice(1).map((p) => (p === undefined ? p : decodeURIComponent(p))) };
      }
    }
    return null;
  }

  async handle(req, res, url) {
    if (!isLoopback(req.socket.remoteAddress)) {
      sendJson(res, 403, { error: 'The control API answers loopback clients only.' });
      return;
    }
    let body = {};
    try {
      const raw = await readBody(req, this.bodyLimit);
      if (raw.length) body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      sendJson(res, err instanceof BodyTooLarge ? 413 : 400,
        { error: err instanceof BodyTooLarge ? err.message : 'The body must be JSON.' });
      return;
    }
    const found = this.match(req.method, url.pathname);
    if (!found) {
      sendJson(res, 404, { error: `No control route ${req.method} ${url.pathname}.` });
      return;
    }
    try {
      const value = await found.route.handler({
        req, res, url, query: url.searchParams, params: found.params, body,
      });
      if (!res.headersSent && !res.writableEnded) sendJson(res, 200, value === undefined ? {} : value);
    } catch (err) {
      const answer = err instanceof ControlError ? err : this.translate(err);
      if (!answer) throw err;
      if (!res.headersSent) sendJson(res, answer.status, { error: answer.message });
    }
  }
}

module.exports = { ControlApi, ControlError, isControlPath, PREFIX };
