// CLI: prints a scrypt hash for the seed file (apps/dev-idp/seed/users.json, `password_hash`).
//   npm run hash-password -w apps/dev-idp -- 'new password'
// With no argument the password is read from stdin (so it stays out of the shell history).
import { hashPassword } from './passwords.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const password = process.argv[2] ?? (await readStdin());
if (!password) {
  process.stderr.write('usage: hash-password <password>   (or pipe the password on stdin)\n');
  process.exit(2);
}
process.stdout.write(`${await hashPassword(password)}\n`);
