import { HANDOFF_TTL_S, HandoffError, openHandoff, sealHandoff } from './handoff-seal';

const KEY = 'ab'.repeat(32);
const SESSION = { user: { sub: 'auth0|alice' }, tokenSet: { accessToken: 'at', refreshToken: 'refresh-token-value', expiresAt: 1 }, internal: { sid: 's', createdAt: 1 } };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return err instanceof HandoffError ? err.code : `other: ${(err as Error).message}`;
  }
  return 'none';
}

describe('login hand-off (sealed, no server state)', () => {
  it('opens on any process with the same key, for the holder of its secret, within its lifetime', () => {
    const handoff = sealHandoff(SESSION, KEY, 1_000_000);
    expect(openHandoff(handoff, KEY, 1_000_000 + (HANDOFF_TTL_S - 1) * 1000)).toEqual(SESSION);
    // encrypted, not just signed (looked for in the decoded bytes: random base64url text may hold any short word)
    const bytes = Buffer.from(handoff.sealed.slice(3), 'base64url').toString('latin1');
    expect(bytes).not.toContain('refresh-token-value');
    expect(bytes).not.toContain('auth0|alice');
  });

  it('refuses another secret, another key, a changed value, an expired one and garbage', () => {
    const handoff = sealHandoff(SESSION, KEY, 1_000_000);
    const other = sealHandoff(SESSION, KEY, 1_000_000);
    expect(code(() => openHandoff({ ...handoff, secret: other.secret }, KEY, 1_000_000))).toBe('wrong_secret');
    expect(code(() => openHandoff(handoff, 'cd'.repeat(32), 1_000_000))).toBe('forged');
    const flipped = handoff.sealed.slice(0, -2) + (handoff.sealed.endsWith('A') ? 'BA' : 'AA');
    expect(code(() => openHandoff({ ...handoff, sealed: flipped }, KEY, 1_000_000))).toBe('forged');
    expect(code(() => openHandoff(handoff, KEY, 1_000_000 + HANDOFF_TTL_S * 1000))).toBe('expired');
    expect(code(() => openHandoff({ secret: handoff.secret }, KEY))).toBe('malformed');
    expect(code(() => openHandoff({ secret: handoff.secret, sealed: 'h1.AAAA' }, KEY))).toBe('malformed');
    expect(code(() => openHandoff({ secret: 'at', sealed: handoff.sealed }, KEY, 1_000_000))).toBe('wrong_secret');
  });
});
