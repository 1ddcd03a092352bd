#!/usr/bin/env node
// Writes a docker-compose `.env` with fresh random secrets to stdout:
//
//   node infra/secrets/generate-env.mjs > .env          # provider (Auth0) settings to fill in
//   node infra/secrets/generate-env.mjs --dev > .env    # the bundled dev-idp as provider (COMPOSE_PROFILES=dev)
//
// `.env` is git-ignored. Every NATS user's password comes from infra/nats/nats.env.sample's list
// (`NATS_*_PASSWORD`), so a new user gets a secret here without editing this file. Secrets are
// hex (URL-safe: the cluster password goes into route URLs). Nothing is printed but the file.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { readEnvFile, ENV_SAMPLE } = require('../nats/index.cjs');

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--dev');
if (unknown.length) {
  process.stderr.write(`generate-env: unknown argument ${unknown[0]}\nusage: node infra/secrets/generate-env.mjs [--dev] > .env\n`);
  process.exit(2);
}
const dev = args.includes('--dev');
const secret = (bytes = 24) => randomBytes(bytes).toString('hex');

const lines = [
  `# docker-compose secrets, generated ${new Date().toISOString()} by infra/secrets/generate-env.mjs${dev ? ' --dev' : ''}.`,
  '# Git-ignored. Keep it out of images (.dockerignore) and out of chat/tickets.',
  '',
  '# NATS users (infra/nats/nats.conf) and the cluster routes',
];
for (const name of Object.keys(readEnvFile(ENV_SAMPLE))) {
  if (/^NATS_[A-Z0-9_]*PASSWORD$/.test(name)) lines.push(`${name}=${secret()}`);
}
lines.push(
  '',
  '# component-web: session cookie key (64 hex) and its OAuth client secret',
  `AUTH0_SECRET=${secret(32)}`,
  `AUTH0_CLIENT_SECRET=${secret()}`,
  '',
  '# streamlit-app: the cookie secret every replica shares (behind the load balancer)',
  `STREAMLIT_SERVER_COOKIE_SECRET=${secret(32)}`,
  '',
);
if (dev) {
  lines.push(
    '# Provider: the bundled dev-idp (development profile; add `127.0.0.1 dev-idp` to /etc/hosts)',
    'COMPOSE_PROFILES=dev',
    `DEV_IDP_M2M_SECRET=${secret()}`,
    'AUTH_ISSUER=http://dev-idp:4400/',
    'AUTH_AUDIENCE=http://localhost:8888/api',
    'AUTH_JWKS_URI=http://dev-idp:4400/.well-known/jwks.json',
    'AUTH0_DOMAIN=http://dev-idp:4400',
    'AUTH0_CLIENT_ID=component-web',
    'AUTH0_AUDIENCE=http://localhost:8888/api',
  );
} else {
  lines.push(
    '# Provider: fill these in (compose refuses to start while they are missing).',
    '# With Auth0: the tenant domain, the component application, and the API identifier.',
    '# Set AUTH0_CLIENT_SECRET above to the application\'s client secret from the Auth0 dashboard.',
    '# AUTH_ISSUER=https://<tenant>.auth0.com/',
    '# AUTH_AUDIENCE=<API identifier>',
    '# AUTH0_DOMAIN=<tenant>.auth0.com',
    '# AUTH0_CLIENT_ID=<application client id>',
    '# AUTH0_AUDIENCE=<API identifier>',
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
