'use strict';
// Starts a FhirPeer in this process on a free loopback port, and small
// clients for its FHIR API and control API. (Polling: the support
// library's poll.)

const { FhirPeer } = require('../src/fhir_peer');

async function startPeer(options = {}) {
  const peer = new FhirPeer(options);
  const port = await peer.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${port}`;
  const base = `${origin}/fhir/R4`;
  return {
    peer,
    origin,
    base,
    tokenUrl: `${origin}/auth/token`,
    // A FHIR call: { status, headers, body } (body parsed when JSON).
    async fhir(method, path, { body, headers = {} } = {}) {
      const res = await fetch(path.startsWith('http') ? path : `${base}/${path}`, {
        method,
        headers: { Accept: 'application/fhir+json', ...(body === undefined ? {} : { 'Content-Type': 'application/fhir+json' }), ...headers },
        body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
      });
      const text = await res.text();
      let parsed = text;
      try { parsed = text ? JSON.parse(text) : undefined; } catch { /* not JSON */ }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async control(method, path, body) {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    close: () => peer.close(),
  };
}

module.exports = { startPeer };
