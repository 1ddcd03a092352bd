import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type AdapterModule = typeof import('./adapter.js');

/** A fresh copy of the module (its store is module state). */
function freshAdapter(): AdapterModule {
  let mod: AdapterModule | undefined;
  jest.isolateModules(() => {
    mod = jest.requireActual<AdapterModule>('./adapter.js');
  });
  return mod!;
}

describe('MemoryAdapter', () => {
  it('stores, finds, consumes, expires and revokes by grant', async () => {
    const { MemoryAdapter } = freshAdapter();
    const codes = new MemoryAdapter('AuthorizationCode');
    const tokens = new MemoryAdapter('RefreshToken');
    await codes.upsert('c1', { grantId: 'g1', uid: 'u1', scope: 'openid' }, 60);
    await tokens.upsert('r1', { grantId: 'g1' }, 60);
    await tokens.upsert('r2', { grantId: 'g2' }, 60);
    await tokens.upsert('gone', {}, 0.001);

    expect(await codes.find('c1')).toMatchObject({ scope: 'openid' });
    expect(await codes.findByUid('u1')).toMatchObject({ grantId: 'g1' });
    expect(await tokens.find('c1')).toBeUndefined(); // models are separate
    await codes.consume('c1');
    expect((await codes.find('c1'))!.consumed).toEqual(expect.any(Number));

    await new Promise((r) => setTimeout(r, 5));
    expect(await tokens.find('gone')).toBeUndefined();

    await tokens.revokeByGrantId('g1');
    expect(await codes.find('c1')).toBeUndefined();
    expect(await tokens.find('r1')).toBeUndefined();
    expect(await tokens.find('r2')).toBeDefined();
    await tokens.destroy('r2');
    expect(await tokens.find('r2')).toBeUndefined();
  });

  it('returns copies, so callers cannot change what is stored', async () => {
    const { MemoryAdapter } = freshAdapter();
    const sessions = new MemoryAdapter('Session');
    await sessions.upsert('s1', { accountId: 'a' });
    const found = (await sessions.find('s1'))!;
    found.accountId = 'b';
    expect((await sessions.find('s1'))!.accountId).toBe('a');
  });

  it('persists the store to an owner-only file and restores it (without expired entries)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-idp-adapter-'));
    const file = join(dir, 'state.json');
    try {
      const first = freshAdapter();
      expect(first.persistStateIn(file)).toBe(0);
      const grants = new first.MemoryAdapter('Grant');
      await grants.upsert('g1', { accountId: 'auth0|alice', grantId: 'g1' }, 60);
      await grants.upsert('short', { accountId: 'x' }, 0.001);
      await new Promise((r) => setTimeout(r, 5));
      first.flushState();
      expect(statSync(file).mode & 0o077).toBe(0);
      expect(readFileSync(file, 'utf8')).toContain('auth0|alice');

      const second = freshAdapter();
      expect(second.persistStateIn(file)).toBe(1);
      const again = new second.MemoryAdapter('Grant');
      expect(await again.find('g1')).toMatchObject({ accountId: 'auth0|alice' });
      await again.revokeByGrantId('g1'); // the grant index was rebuilt
      expect(await again.find('g1')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
