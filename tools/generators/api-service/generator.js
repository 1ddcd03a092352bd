// `npx nx g api-service NAME`: a new protected bus service, wired into every place a service of
// this workspace is declared. Each edit of an existing file inserts at a named anchor and fails
// with the anchor's name when the file has changed shape, rather than writing half a service.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { generateFiles, names, updateJson } = require('@nx/devkit');

const NAME = /^[a-z][a-z0-9-]{1,30}$/;
/** Names the workspace already uses for parts, subjects or NATS users. */
const TAKEN = new Set(['api', 'auth', 'audit', 'bridge', 'component', 'host-relay', 'http-bridge', 'legacy-api', 'dev-idp', 'nats', 'streamlit']);

/** Every name the templates and edits use, from NAME (`orders` → orders-service, Orders, …). */
function namesOf(name) {
  const { className, propertyName } = names(name);
  const projectName = `${name}-service`;
  return {
    name,
    projectName,
    feature: name,
    Pascal: className,
    camel: propertyName,
    subject: `${name}.hello`,
    routePath: `/api/${name}/hello`,
    passwordVar: `NATS_${projectName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`,
    devPassword: `${projectName}-dev-password`,
    tmpl: '',
  };
}

/** `text` with `insert` placed before (or after) the unique `anchor`; throws naming file and anchor. */
function insertAt(tree, file, anchor, insert, where = 'before') {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`api-service generator: ${file} is missing`);
  const at = text.indexOf(anchor);
  if (at === -1 || text.indexOf(anchor, at + 1) !== -1) {
    throw new Error(`api-service generator: ${file} no longer has exactly one ${JSON.stringify(anchor.trim().slice(0, 60))}; add the service by hand (see its README)`);
  }
  const index = where === 'before' ? at : at + anchor.length;
  tree.write(file, text.slice(0, index) + insert + text.slice(index));
}

/** Appends `subject` to the publish allow-list of NATS user `user` in nats.conf. */
function allowPublish(tree, user, subject) {
  const file = 'infra/nats/nats.conf';
  const text = tree.read(file, 'utf-8');
  const pattern = new RegExp(`(user: ${user}\\n[^]*?publish \\{ allow: \\[)([^\\]]*)(\\])`);
  const match = pattern.exec(text);
  if (!match) throw new Error(`api-service generator: ${file} has no publish list for ${user}`);
  tree.write(file, text.replace(pattern, `$1$2, "${subject}"$3`));
}

function contracts(tree, n) {
  tree.write(
    `libs/contracts/src/schemas/${n.name}.ts`,
    `import { z } from 'zod';
import { EmptyRequest, InstanceId, Sub, Timestamp } from './common';

/** \`${n.subject}\` (\`GET ${n.routePath}\`): no body. */
export const ${n.Pascal}HelloRequest = EmptyRequest;
export type ${n.Pascal}HelloRequest = z.infer<typeof ${n.Pascal}HelloRequest>;

/** \`${n.subject}\` reply: a greeting for the verified caller. */
export const ${n.Pascal}HelloReply = z.object({ data: z.string().max(1024), sub: Sub, instance: InstanceId, at: Timestamp }).strict();
export type ${n.Pascal}HelloReply = z.infer<typeof ${n.Pascal}HelloReply>;
`,
  );
  insertAt(tree, 'libs/contracts/src/index.ts', "export * from './schemas/component';\n", `export * from './schemas/${n.name}';\n`, 'after');
  insertAt(tree, 'libs/contracts/src/subjects.ts', '  auth: {\n    verify:', `  ${n.camel}: {\n    hello: '${n.subject}',\n  },\n`);
  insertAt(tree, 'libs/contracts/src/subjects.ts', "  httpBridge: 'http-bridge',\n", `  ${n.camel}Service: '${n.projectName}',\n`, 'after');
  const registry = 'libs/contracts/src/registry.ts';
  insertAt(tree, registry, "import { BridgeReply, BridgeRequest } from './schemas/bridge';\n", `import { ${n.Pascal}HelloReply, ${n.Pascal}HelloRequest } from './schemas/${n.name}';\n`, 'after');
  insertAt(tree, registry, '  [SUBJECTS.auth.verify]: { request: AuthVerifyRequest', `  [SUBJECTS.${n.camel}.hello]: { request: ${n.Pascal}HelloRequest, reply: ${n.Pascal}HelloReply },\n`);
  insertAt(tree, registry, '  SUBJECTS.auth.verify,\n  SUBJECTS.audit.query,\n]);', `  SUBJECTS.${n.camel}.hello,\n`);
  insertAt(tree, registry, "  'auth.verify.request.v1': AuthVerifyRequest,", `  '${n.subject}.request.v1': ${n.Pascal}HelloRequest,\n  '${n.subject}.reply.v1': ${n.Pascal}HelloReply,\n`);
  insertAt(tree, registry, "  [SUBJECTS.auth.verify]: { request: 'auth.verify.request.v1'", `  [SUBJECTS.${n.camel}.hello]: { request: '${n.subject}.request.v1', reply: '${n.subject}.reply.v1' },\n`);
  insertAt(tree, 'libs/contracts/src/routes.ts', '];\n\n/** Whether requests of this method', `  { method: 'GET', path: '${n.routePath}', subject: SUBJECTS.${n.camel}.hello, protected: true },\n`);
  tree.write(`libs/contracts/vectors/${n.subject}.request.v1.json`, `${JSON.stringify({ valid: [{}], invalid: [{ why: 'unknown field', value: { x: 1 } }] }, null, 2)}\n`);
  tree.write(
    `libs/contracts/vectors/${n.subject}.reply.v1.json`,
    `${JSON.stringify(
      {
        valid: [{ data: `Hello from ${n.projectName}, auth0|alice!`, sub: 'auth0|alice', instance: `${n.projectName}-1`, at: '2026-01-01T00:00:00.000Z' }],
        invalid: [{ why: 'no sub', value: { data: 'x', instance: `${n.projectName}-1`, at: '2026-01-01T00:00:00.000Z' } }],
      },
      null,
      2,
    )}\n`,
  );
}

function nats(tree, n) {
  // Its own user: serve its subjects, reply to the two requesters, follow the revocations.
  insertAt(
    tree,
    'infra/nats/nats.conf',
    '    {\n      user: streamlit-host\n',
    `    {
      user: ${n.projectName}
      password: $${n.passwordVar}
      permissions {
        publish { allow: ["_INBOX_host-relay.>", "_INBOX_streamlit-host.>", "$JS.API.INFO", "$JS.API.STREAM.INFO.KV_REVOCATIONS", "$JS.API.CONSUMER.CREATE.KV_REVOCATIONS", "$JS.API.CONSUMER.CREATE.KV_REVOCATIONS.>", "$JS.FC.KV_REVOCATIONS.>"] }
        subscribe { allow: ["${n.name}.>", "_INBOX_${n.projectName}.>"] }
      }
    }
`,
  );
  allowPublish(tree, 'host-relay', n.subject);
  allowPublish(tree, 'streamlit-host', n.subject);
  const sample = tree.read('infra/nats/nats.env.sample', 'utf-8');
  tree.write('infra/nats/nats.env.sample', `${sample.replace(/\n*$/, '\n')}${n.passwordVar}=${n.devPassword}\n`);
  const natsConfig = 'libs/service-kit/src/config/nats-config.ts';
  insertAt(tree, natsConfig, "'http-bridge', 'revoker'", `, '${n.projectName}'`, 'after');
  insertAt(tree, natsConfig, "  revoker: 'revoker-dev-password',\n", `  '${n.projectName}': '${n.devPassword}',\n`, 'after');
}

function stack(tree, n) {
  const file = 'tools/stack/stack.cjs';
  insertAt(tree, file, "  'http-bridge': 'NATS_HTTP_BRIDGE_PASSWORD',\n", `  '${n.projectName}': '${n.passwordVar}',\n`, 'after');
  insertAt(
    tree,
    file,
    "  {\n    name: 'host-relay',",
    `  {
    name: '${n.projectName}',
    project: '${n.projectName}',
    natsUser: '${n.projectName}',
    where: () => 'bus: ${n.name}.* (queue ${n.projectName})',
    dependsOn: ['nats'],
    replicas: 1,
    entry: 'apps/${n.projectName}/dist/main.js',
    command: node('apps/${n.projectName}/dist/main.js'),
    env: (ctx) => ({ ...natsClientEnv(ctx, '${n.projectName}'), ...BUS_SERVICE_ENV(ctx), INSTANCE_ID: ctx.instance }),
    subjects: ['${n.subject}'],
    health: (ctx) => busServiceUp(ctx.ports, '${n.projectName}', ctx.instance, PARTS_BY_NAME['${n.projectName}'].subjects),
  },
`,
  );
  const compose = 'docker-compose.yml';
  const required = (variable) => `"\${${variable}:?${variable} is not set: run \`node infra/secrets/generate-env.mjs > .env\`}"`;
  insertAt(tree, compose, '  # Routes between the nodes authenticate', `  ${n.passwordVar}: ${required(n.passwordVar)}\n`);
  insertAt(
    tree,
    compose,
    '  host-relay:\n    build:',
    `  ${n.projectName}:
    build: { context: ., dockerfile: Dockerfile, target: ${n.projectName} }
    command: ["node", "apps/${n.projectName}/dist/main.js"]
    environment:
      AUTH_BUS_ENV: production
      NATS_URL: *nats-servers
      NATS_USER: ${n.projectName}
      NATS_PASSWORD: ${required(n.passwordVar)}
      OIDC_ISSUER: "\${AUTH_ISSUER:?AUTH_ISSUER (your provider's issuer, e.g. https://<tenant>.auth0.com/) is not set}"
      AUTH_AUDIENCE: "\${AUTH_AUDIENCE:?AUTH_AUDIENCE (your API identifier) is not set}"
    depends_on:
      nats-1: { condition: service_healthy }

`,
  );
  insertAt(tree, 'Dockerfile', 'COPY libs libs\n', `COPY apps/${n.projectName}/package.json apps/${n.projectName}/\n`);
  insertAt(tree, 'Dockerfile', 'FROM base AS host-relay', `FROM base AS ${n.projectName}\nCMD ["node", "apps/${n.projectName}/dist/main.js"]\n\n`);
  // The app is an npm workspace (apps/*): npm ci refuses a lock file without it.
  updateJson(tree, 'package-lock.json', (lock) => {
    lock.packages[`apps/${n.projectName}`] = { name: `@auth-bus/${n.projectName}`, version: '0.1.0' };
    lock.packages[`node_modules/@auth-bus/${n.projectName}`] = { resolved: `apps/${n.projectName}`, link: true };
    return lock;
  });
}

async function apiServiceGenerator(tree, options) {
  const name = String(options.name ?? '').trim();
  if (!NAME.test(name) || TAKEN.has(name) || name.endsWith('-service')) {
    throw new Error(`api-service: "${name}" is not a usable name: lowercase letters, digits and -, starting with a letter, 2–31 long, not ending in -service, not one of ${[...TAKEN].join(', ')}`);
  }
  const n = namesOf(name);
  if (tree.exists(`apps/${n.projectName}`)) throw new Error(`api-service: apps/${n.projectName} exists already`);
  generateFiles(tree, path.join(__dirname, 'files'), `apps/${n.projectName}`, n);
  contracts(tree, n);
  nats(tree, n);
  stack(tree, n);
  return () => {
    if (options.skipExport) return;
    // The Python package reads the contract from its JSON export (a test fails when it is stale).
    execFileSync('npx', ['nx', 'run', 'contracts:export-schema', '--outputStyle=static'], { cwd: tree.root, stdio: 'inherit' });
  };
}

module.exports = apiServiceGenerator;
module.exports.default = apiServiceGenerator;
module.exports.namesOf = namesOf;
