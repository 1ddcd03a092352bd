// `npx nx run keycloak:start`: Keycloak alone, in the foreground, with the auth-bus realm, and
// the environment that points the other parts at it. (`npm start -- --provider keycloak` starts
// it together with the whole system.)
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { keycloakEnv, startKeycloak } = require('./index.cjs');

let keycloak;
try {
  keycloak = await startKeycloak({ output: (line) => console.log(`[keycloak] ${line}`) });
} catch (err) {
  console.error(`[keycloak] ${err.message}`);
  process.exit(1);
}
console.log(`\n[keycloak] ready in ${(keycloak.startedInMs / 1000).toFixed(1)} s — issuer ${keycloak.issuer} (admin console ${keycloak.url}/admin)`);
console.log('[keycloak] the other parts use it with:');
for (const [name, value] of Object.entries(keycloakEnv(keycloak.port))) console.log(`  export ${name}=${value}`);
const stop = () => keycloak.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
keycloak.exited.then((code) => {
  console.error(`[keycloak] exited (${code})`);
  process.exit(1);
});
