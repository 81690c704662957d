// The provider's state (sessions, interactions, codes, tokens, grants), in
// memory, behind oidc-provider's adapter interface. One Store outlives the
// Provider instances the peer builds (a key rotation builds a new one), so
// sessions and codes survive a rotation; it also answers what the control
// API asks and oidc-provider's own memory adapter cannot: the sessions of
// one user.

export class Store {
  constructor() {
    // `${model}:${id}` -> { payload, expiresAt (ms, or Infinity) }
    this.entries = new Map();
  }

  // The adapter oidc-provider asks for one model ('Session', 'Grant', …).
  adapter(model) {
    return new StoreAdapter(model, this);
  }

  get(key) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key, payload, expiresInSeconds) {
    const expiresAt = typeof expiresInSeconds === 'number' ? Date.now() + expiresInSeconds * 1000 : Infinity;
    this.entries.set(key, { payload, expiresAt });
  }

  // Every live payload of `model`, with its id.
  list(model) {
    const prefix = `${model}:`;
    const out = [];
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const payload = this.get(key);
      if (payload) out.push({ id: key.slice(prefix.length), payload });
    }
    return out;
  }

  // The live sessions of the user `sub`: [{ id, payload }].
  sessionsOf(sub) {
    return this.list('Session').filter(({ payload }) => payload.accountId === sub);
  }

  delete(model, id) {
    this.entries.delete(`${model}:${id}`);
  }

  // Deletes every token, code and the grant itself of `grantId`.
  revokeGrant(grantId) {
    for (const [key, entry] of [...this.entries]) {
      if (entry.payload.grantId === grantId || key === `Grant:${grantId}`) this.entries.delete(key);
    }
  }

  clear() {
    this.entries.clear();
  }
}

class StoreAdapter {
  constructor(model, store) {
    this.model = model;
    this.store = store;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    this.store.set(this.key(id), payload, expiresIn);
  }

  async find(id) {
    return this.store.get(this.key(id));
  }

  async findByUid(uid) {
    return this.store.list(this.model).find(({ payload }) => payload.uid === uid)?.payload;
  }

  async findByUserCode(userCode) {
    return this.store.list(this.model).find(({ payload }) => payload.userCode === userCode)?.payload;
  }

  async consume(id) {
    const payload = this.store.get(this.key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    this.store.delete(this.model, id);
  }

  async revokeByGrantId(grantId) {
    for (const { id, payload } of this.store.list(this.model)) {
      if (payload.grantId === grantId) this.store.delete(this.model, id);
    }
  }
}
