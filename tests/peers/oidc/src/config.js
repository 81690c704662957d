// The peer's config file (JSON; see ../README.md): the issuer, the clients
// and the users. loadConfig() checks every field and throws ConfigError
// `file:line: message` for the first problem; it fills what the file leaves
// to the peer: a client's secret from --client-secret-file (read, or
// generated and written there), and passwords of users that have none
// (generated; the caller prints them).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseWithLines, JsonSyntaxError } from './json_lines.js';

export class ConfigError extends Error {}

const TOP_KEYS = ['issuer', 'clients', 'users'];
const CLIENT_KEYS = [
  'client_id', 'client_secret', 'token_endpoint_auth_method', 'jwks', 'public_key_pem', 'public_key_kid',
  'redirect_uris', 'post_logout_redirect_uris', 'backchannel_logout_uri', 'id_token_signed_response_alg',
];
const USER_KEYS = ['username', 'password', 'sub', 'name', 'email', 'groups', 'fhir_user', 'mfa'];
export const AUTH_METHODS = ['client_secret_basic', 'private_key_jwt'];
export const SIGNING_ALGS = ['RS256', 'ES256'];

// A URL a browser or the hub is sent to: http(s), no fragment.
function isWebUrl(text) {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.hash;
  } catch {
    return false;
  }
}

// loadConfig(file, { clientSecretFile }) -> { issuer?, clients, users,
// generatedPasswords: [{username, password}] }.
export function loadConfig(file, { clientSecretFile = '' } = {}) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${err.message}`);
  }
  let parsed;
  try {
    parsed = parseWithLines(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new ConfigError(`${file}:${err.line}: not JSON: ${err.message}`);
    throw err;
  }
  const { value: doc, lineOf } = parsed;
  const fail = (where, message) => {
    throw new ConfigError(`${file}:${lineOf(where)}: ${message}`);
  };
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const nonEmptyString = (v) => typeof v === 'string' && v.length > 0;
  const onlyKeys = (object, where, known, what) => {
    for (const key of Object.keys(object)) {
      if (!known.includes(key)) {
        fail(where ? `${where}.${key}` : key, `${what}: unknown key ${JSON.stringify(key)}; known: ${known.join(', ')}`);
      }
    }
  };
  const urlList = (list, where, what) => {
    if (list === undefined) return [];
    if (!Array.isArray(list) || !list.every(isWebUrl)) fail(where, `${what} must be a list of http(s) URLs`);
    return list;
  };

  if (!isObject(doc)) fail('', 'the config must be a JSON object');
  onlyKeys(doc, '', TOP_KEYS, 'the config');
  if (doc.issuer !== undefined && !(isWebUrl(doc.issuer) && !new URL(doc.issuer).search)) {
    fail('issuer', 'issuer must be an http(s) URL without query or fragment');
  }

  if (!Array.isArray(doc.clients) || doc.clients.length === 0) fail('clients', 'clients must be a non-empty list');
  const clientIds = new Set();
  let secretFromFile = null;
  const clients = doc.clients.map((client, n) => {
    const where = `clients[${n}]`;
    if (!isObject(client)) fail(where, `${where} must be an object`);
    if (!nonEmptyString(client.client_id)) fail(`${where}.client_id`, `${where}.client_id must be a non-empty string`);
    const what = `${where} (${client.client_id})`;
    onlyKeys(client, where, CLIENT_KEYS, what);
    if (clientIds.has(client.client_id)) fail(`${where}.client_id`, `${what}: client_id ${client.client_id} appears twice`);
    clientIds.add(client.client_id);
    const method = client.token_endpoint_auth_method ?? 'client_secret_basic';
    if (!AUTH_METHODS.includes(method)) {
      fail(`${where}.token_endpoint_auth_method`, `${what}: token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
    }
    const alg = client.id_token_signed_response_alg ?? 'RS256';
    if (!SIGNING_ALGS.includes(alg)) {
      fail(`${where}.id_token_signed_response_alg`, `${what}: id_token_signed_response_alg must be one of ${SIGNING_ALGS.join(', ')}`);
    }
    const redirectUris = urlList(client.redirect_uris, `${where}.redirect_uris`, `${what}: redirect_uris`);
    if (redirectUris.length === 0) fail(`${where}.redirect_uris`, `${what}: redirect_uris must name at least one URL`);
    const metadata = {
      client_id: client.client_id,
      token_endpoint_auth_method: method,
      id_token_signed_response_alg: alg,
      redirect_uris: redirectUris,
      post_logout_redirect_uris: urlList(client.post_logout_redirect_uris, `${where}.post_logout_redirect_uris`,
        `${what}: post_logout_redirect_uris`),
      grant_types: ['authorization_code'],
      response_types: ['code'],
    };
    if (client.backchannel_logout_uri !== undefined) {
      if (!isWebUrl(client.backchannel_logout_uri)) {
        fail(`${where}.backchannel_logout_uri`, `${what}: backchannel_logout_uri must be an http(s) URL`);
      }
      metadata.backchannel_logout_uri = client.backchannel_logout_uri;
      metadata.backchannel_logout_session_required = true;
    }
    if (method === 'client_secret_basic') {
      if (client.jwks !== undefined || client.public_key_pem !== undefined) {
        fail(where, `${what}: jwks and public_key_pem are for private_key_jwt clients`);
      }
      if (client.client_secret !== undefined) {
        if (!nonEmptyString(client.client_secret)) fail(`${where}.client_secret`, `${what}: client_secret must be a non-empty string`);
        metadata.client_secret = client.client_secret;
      } else {
        if (!clientSecretFile) fail(where, `${what} has no client_secret: give one, or --client-secret-file`);
        if (secretFromFile) {
          fail(where, `${what} has no client_secret, and --client-secret-file already serves ${secretFromFile.client_id}`);
        }
        secretFromFile = metadata;
        metadata.client_secret = secretOfFile(clientSecretFile);
      }
    } else {
      if (client.client_secret !== undefined) fail(`${where}.client_secret`, `${what}: a private_key_jwt client has no client_secret`);
      if ((client.jwks === undefined) === (client.public_key_pem === undefined)) {
        fail(where, `${what}: a private_key_jwt client needs jwks or public_key_pem (one of them)`);
      }
      if (client.jwks !== undefined) {
        if (!isObject(client.jwks) || !Array.isArray(client.jwks.keys) || client.jwks.keys.length === 0) {
          fail(`${where}.jwks`, `${what}: jwks must be a JWK Set: {"keys": [...]}`);
        }
        if (client.jwks.keys.some((k) => !isObject(k) || k.d !== undefined)) {
          fail(`${where}.jwks`, `${what}: jwks must hold public keys only`);
        }
        metadata.jwks = client.jwks;
      } else {
        let jwk;
        try {
          jwk = crypto.createPublicKey(client.public_key_pem).export({ format: 'jwk' });
        } catch (err) {
          fail(`${where}.public_key_pem`, `${what}: public_key_pem is not a PEM public key (${err.message})`);
        }
        if (client.public_key_kid !== undefined && !nonEmptyString(client.public_key_kid)) {
          fail(`${where}.public_key_kid`, `${what}: public_key_kid must be a non-empty string`);
        }
        metadata.jwks = { keys: [{ ...jwk, use: 'sig', ...(client.public_key_kid ? { kid: client.public_key_kid } : {}) }] };
      }
    }
    return metadata;
  });

  if (!Array.isArray(doc.users) || doc.users.length === 0) fail('users', 'users must be a non-empty list');
  const usernames = new Set();
  const subs = new Set();
  const generatedPasswords = [];
  const users = doc.users.map((user, n) => {
    const where = `users[${n}]`;
    if (!isObject(user)) fail(where, `${where} must be an object`);
    if (!nonEmptyString(user.username)) fail(`${where}.username`, `${where}.username must be a non-empty string`);
    const what = `${where} (${user.username})`;
    onlyKeys(user, where, USER_KEYS, what);
    if (usernames.has(user.username)) fail(`${where}.username`, `${what}: username ${user.username} appears twice`);
    usernames.add(user.username);
    if (!nonEmptyString(user.sub)) fail(`${where}.sub`, `${what}: sub must be a non-empty string`);
    if (subs.has(user.sub)) fail(`${where}.sub`, `${what}: sub ${user.sub} appears twice`);
    subs.add(user.sub);
    for (const key of ['password', 'name', 'email', 'fhir_user']) {
      if (user[key] !== undefined && !nonEmptyString(user[key])) fail(`${where}.${key}`, `${what}: ${key} must be a non-empty string`);
    }
    if (user.groups !== undefined && !(Array.isArray(user.groups) && user.groups.every(nonEmptyString))) {
      fail(`${where}.groups`, `${what}: groups must be a list of non-empty strings`);
    }
    if (user.mfa !== undefined && typeof user.mfa !== 'boolean') fail(`${where}.mfa`, `${what}: mfa must be true or false`);
    let { password } = user;
    if (password === undefined) {
      password = crypto.randomBytes(12).toString('base64url');
      generatedPasswords.push({ username: user.username, password });
    }
    return {
      username: user.username,
      password,
      sub: user.sub,
      name: user.name,
      email: user.email,
      groups: user.groups ?? [],
      fhir_user: user.fhir_user,
      mfa: user.mfa ?? false,
    };
  });

  return { issuer: doc.issuer, clients, users, generatedPasswords };
}

// The secret in `file` (trimmed), or 32 random bytes in hex written there
// (mode 0600, its folder made) when the file does not exist.
function secretOfFile(file) {
  if (fs.existsSync(file)) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (!secret) throw new ConfigError(`${file}: the client secret file is empty`);
    return secret;
  }
  const secret = crypto.randomBytes(32).toString('hex');
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
