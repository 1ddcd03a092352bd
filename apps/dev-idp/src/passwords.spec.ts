import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword, isPasswordHash, UNMATCHABLE_HASH, verifyPassword } from './passwords.js';

describe('password hashes', () => {
  it('verifies the password it hashed, and nothing else', async () => {
    const hash = await hashPassword('correct horse');
    expect(isPasswordHash(hash)).toBe(true);
    expect(hash).not.toContain('correct horse');
    await expect(verifyPassword('correct horse', hash)).resolves.toBe(true);
    await expect(verifyPassword('correct horse!', hash)).resolves.toBe(false);
    await expect(verifyPassword('', hash)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toEqual(await hashPassword('same'));
  });

  it('never matches the placeholder used for unknown users, nor garbage', async () => {
    await expect(verifyPassword('', UNMATCHABLE_HASH)).resolves.toBe(false);
    await expect(verifyPassword('x', 'plaintext')).resolves.toBe(false);
  });

  it('the seed file holds hashes of the documented development passwords, not the passwords', async () => {
    const seed = readFileSync(join(__dirname, '..', 'seed', 'users.json'), 'utf8');
    expect(seed).not.toMatch(/alice-password|bob-password/);
    const users = JSON.parse(seed).users as Array<{ email: string; password_hash: string }>;
    const hashOf = (email: string) => users.find((u) => u.email === email)!.password_hash;
    await expect(verifyPassword('alice-password', hashOf('alice@example.com'))).resolves.toBe(true);
    await expect(verifyPassword('bob-password', hashOf('bob@example.com'))).resolves.toBe(true);
  });
});
