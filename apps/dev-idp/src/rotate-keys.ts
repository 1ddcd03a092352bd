// CLI: adds a new signing key in front (it signs from now on), keeps the previous keys in the
// JWKS until the tokens they signed have expired, and drops keys retired longer ago than that.
// A running dev-idp notices the change within a second and publishes the new JWKS.
//   npm run rotate-keys -w apps/dev-idp      or      npx nx run dev-idp:rotate-keys
// Uses the same DEV_IDP_KEYS_DIR and token lifetimes as the server.
import { fileURLToPath } from 'node:url';
import { applyEnvFile, keyRetentionSeconds, loadConfig } from './config.js';
import { rotateKeys } from './keys.js';

const appRoot = fileURLToPath(new URL('..', import.meta.url));

try {
  applyEnvFile(process.env, appRoot);
  const config = loadConfig(process.env, appRoot);
  const result = await rotateKeys(config.keysDir, keyRetentionSeconds(config.ttl));
  process.stdout.write(
    `${JSON.stringify({ event: 'keys.rotated', keys_dir: config.keysDir, ...result, retention_seconds: keyRetentionSeconds(config.ttl) })}\n`,
  );
} catch (err) {
  process.stderr.write(`rotate-keys failed: ${(err as Error).message}\n`);
  process.exit(1);
}
