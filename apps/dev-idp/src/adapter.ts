// Storage for oidc-provider's models (sessions, grants, codes, refresh tokens, interactions):
// in memory, shared by every Provider instance of this process, so that a reload after a key
// rotation keeps logins and refresh tokens. A restart of dev-idp forgets them (JWT access and
// ID tokens keep verifying: the keys are on disk).
type Payload = Record<string, any> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

interface Entry {
  payload: Payload;
  expiresAt?: number;
}

const store = new Map<string, Entry>();
const grantIndex = new Map<string, Set<string>>();
let writesSinceSweep = 0;

function alive(key: string): Entry | undefined {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry;
}

function sweep(): void {
  const now = Date.now();
  for (const [key, entry] of store) {
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) store.delete(key);
  }
  for (const [grantId, keys] of grantIndex) {
    for (const key of keys) if (!store.has(key)) keys.delete(key);
    if (keys.size === 0) grantIndex.delete(grantId);
  }
}

export class MemoryAdapter {
  constructor(private readonly model: string) {}

  private key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    const key = this.key(id);
    store.set(key, { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    if (payload.grantId) {
      let keys = grantIndex.get(payload.grantId);
      if (!keys) grantIndex.set(payload.grantId, (keys = new Set()));
      keys.add(key);
    }
    if (payload.uid) store.set(`${this.model}:uid:${payload.uid}`, { payload: { id }, expiresAt: store.get(key)!.expiresAt });
    if (payload.userCode) store.set(`${this.model}:userCode:${payload.userCode}`, { payload: { id }, expiresAt: store.get(key)!.expiresAt });
    if (++writesSinceSweep >= 500) {
      writesSinceSweep = 0;
      sweep();
    }
  }

  async find(id: string): Promise<Payload | undefined> {
    const entry = alive(this.key(id));
    return entry ? structuredClone(entry.payload) : undefined;
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    const ref = alive(`${this.model}:uid:${uid}`);
    return ref ? this.find(ref.payload.id) : undefined;
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    const ref = alive(`${this.model}:userCode:${userCode}`);
    return ref ? this.find(ref.payload.id) : undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = alive(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of grantIndex.get(grantId) ?? []) store.delete(key);
    grantIndex.delete(grantId);
  }
}

/** Number of stored entries (for /healthz). */
export function storedEntries(): number {
  return store.size;
}
