// dev-idp entry point: configuration, the production guard, the banner, the server, signals.
//   node apps/dev-idp/dist/main.js        (nx run dev-idp:serve)
import { fileURLToPath } from 'node:url';
import { applyEnvFile, loadConfig, productionRefusal, type DevIdpConfig } from './config.js';
import { createLogger } from './logger.js';
import { DevIdpServer } from './server.js';

const appRoot = fileURLToPath(new URL('..', import.meta.url));

function banner(config: DevIdpConfig, port: number): string {
  const lines = [
    'dev-idp: a DEVELOPMENT identity provider. NOT FOR PRODUCTION.',
    'Well-known test users and client secrets; keys on local disk.',
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const bar = '#'.repeat(width + 2);
  return [
    bar,
    ...lines.map((l) => `# ${l.padEnd(width - 2)} #`),
    bar,
    `  issuer     ${config.issuer}`,
    `  listening  ${config.host ?? '*'}:${port}`,
    `  discovery  ${new URL('.well-known/openid-configuration', config.issuer).href}`,
    `  API        ${config.apis.map((a) => a.identifier).join(', ')}`,
    `  clients    ${config.clients.map((c) => c.clientId).join(', ')}`,
    `  keys       ${config.keysDir}`,
    `  users      ${config.usersFile}`,
    `  env file   ${envFile ?? '(none)'}`,
    '',
  ].join('\n');
}

let config: DevIdpConfig;
let envFile: string | undefined;
try {
  envFile = applyEnvFile(process.env, appRoot);
  config = loadConfig(process.env, appRoot);
} catch (err) {
  process.stderr.write(`dev-idp: invalid configuration: ${(err as Error).message}\n`);
  process.exit(1);
}
const logger = createLogger(config.logLevel);

const refusal = productionRefusal(config);
if (refusal) {
  logger.fatal({ event: 'refused', node_env: config.nodeEnv }, refusal);
  process.stderr.write(`${refusal}\n`);
  process.exit(1);
}

const server = new DevIdpServer(config, logger);
try {
  await server.start();
} catch (err) {
  logger.fatal({ event: 'start.failed', err: (err as Error).message, code: (err as NodeJS.ErrnoException).code }, 'dev-idp could not start');
  process.exit(1);
}

process.stderr.write(banner(config, server.port));
logger.warn(
  { event: 'started', issuer: config.issuer, port: server.port, signing_kid: server.signingKid, production_override: config.nodeEnv === 'production' },
  'dev-idp is a development identity provider: never use it for real users',
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ event: 'stopping', signal }, 'shutting down');
  void server.stop().then(() => process.exit(0));
  setTimeout(() => process.exit(0), 3_000).unref();
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGHUP', () => void server.reload('SIGHUP'));
