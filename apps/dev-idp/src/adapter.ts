// Storage for oidc-provider's models (sessions, grants, codes, refresh tokens, interactions):
// in memory, shared by every Provider instance of this process, so that a reload after a key
// rotation keeps logins and refresh tokens. With persistence on (DEV_IDP_PERSIST_STATE, default)
// the store is also written to `state.json` in the keys folder (mode 0600, a moment after each
// change and at shutdown) and read back at startup, so sessions and refresh tokens survive a
// restart too.
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

type Payload = Record<string, any> & { grantId?: string; uid?: string; userCode?: string; consumed?: number };

interface Entry {
  payload: Payload;
  expiresAt?: number;
}

const store = new Map<string, Entry>();
const grantIndex = new Map<string, Set<string>>();
let writesSinceSweep = 0;
let stateFile: string | undefined;
let saveTimer: NodeJS.Timeout | undefined;

function index(key: string, payload: Payload): void {
  if (!payload.grantId) return;
  let keys = grantIndex.get(payload.grantId);
  if (!keys) grantIndex.set(payload.grantId, (keys = new Set()));
  keys.add(key);
}

/** Writes the store now (atomically, owner-only). */
export function flushState(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = undefined;
  if (!stateFile) return;
  const now = Date.now();
  const entries = [...store].filter(([, e]) => e.expiresAt === undefined || e.expiresAt > now);
  const tmp = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, entries }), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, stateFile);
}

function changed(): void {
  if (!stateFile || saveTimer) return;
  saveTimer = setTimeout(() => {
    try {
      flushState();
    } catch {
      /* best effort: the next change or the shutdown tries again */
    }
  }, 250);
  saveTimer.unref();
}

/** Turns persistence on: loads `file` if present (dropping expired entries). Returns the count. */
export function persistStateIn(file: string): number {
  stateFile = file;
  if (!existsSync(file)) return 0;
  const data = JSON.parse(readFileSync(file, 'utf8')) as { version: number; entries: Array<[string, Entry]> };
  if (data.version !== 1 || !Array.isArray(data.entries)) throw new Error(`${file}: unknown format`);
  const now = Date.now();
  for (const [key, entry] of data.entries) {
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) continue;
    store.set(key, entry);
    index(key, entry.payload);
  }
  return store.size;
}

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
    index(key, payload);
    if (payload.uid) store.set(`${this.model}:uid:${payload.uid}`, { payload: { id }, expiresAt: store.get(key)!.expiresAt });
    if (payload.userCode) store.set(`${this.model}:userCode:${payload.userCode}`, { payload: { id }, expiresAt: store.get(key)!.expiresAt });
    if (++writesSinceSweep >= 500) {
      writesSinceSweep = 0;
      sweep();
    }
    changed();
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
    changed();
  }

  async destroy(id: string): Promise<void> {
    store.delete(this.key(id));
    changed();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of grantIndex.get(grantId) ?? []) store.delete(key);
    grantIndex.delete(grantId);
    changed();
  }
}

/** Number of stored entries (for /healthz). */
export function storedEntries(): number {
  return store.size;
}
