import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BusConnection } from '../bus-connection';
import { ConfigError } from './env';
import {
  DEV_NATS_PASSWORDS,
  deploymentMode,
  isDevelopmentSecret,
  NATS_USERS,
  natsConfigForUser,
  natsConfigFromEnv,
  natsInboxPrefix,
  natsPasswordVar,
  refuseDevelopmentSecrets,
  SERVICE_REQUESTERS,
} from './nats-config';

const REPO = join(__dirname, '../../../..');

describe('production mode (AUTH_BUS_ENV)', () => {
  it('is development unless AUTH_BUS_ENV=production, and refuses anything else', () => {
    expect(deploymentMode({})).toBe('development');
    expect(deploymentMode({ AUTH_BUS_ENV: 'production' })).toBe('production');
    expect(deploymentMode({ AUTH_BUS_ENV: 'Development' })).toBe('development');
    expect(() => deploymentMode({ AUTH_BUS_ENV: 'prod' })).toThrow(/AUTH_BUS_ENV must be development or production/);
  });

  it.each(NATS_USERS)('refuses the development password of %s in production, naming the variable', (user) => {
    const production = { AUTH_BUS_ENV: 'production' };
    // Unset: the default is the development password.
    expect(() => natsConfigFromEnv(production, user)).toThrow(ConfigError);
    expect(() => natsConfigFromEnv(production, user)).toThrow(new RegExp(natsPasswordVar(user)));
    // Set, but to the development value, through either variable.
    expect(() => natsConfigFromEnv({ ...production, [natsPasswordVar(user)]: DEV_NATS_PASSWORDS[user] }, user)).toThrow(
      new RegExp(`^${natsPasswordVar(user)} is a development default`),
    );
    expect(() => natsConfigFromEnv({ ...production, NATS_PASSWORD: `${user}-dev-password` }, user)).toThrow(/^NATS_PASSWORD is a development default/);
    expect(() => natsConfigForUser(production, user)).toThrow(new RegExp(`^${natsPasswordVar(user)} is not set|^${natsPasswordVar(user)} is a development default`));
    // A real secret passes; development mode keeps the defaults.
    expect(natsConfigFromEnv({ ...production, NATS_PASSWORD: 'd2f1c0a9e8b7' }, user).pass).toBe('d2f1c0a9e8b7');
    expect(natsConfigForUser({ ...production, [natsPasswordVar(user)]: 'd2f1c0a9e8b7' }, user).pass).toBe('d2f1c0a9e8b7');
    expect(natsConfigFromEnv({}, user).pass).toBe(DEV_NATS_PASSWORDS[user]);
  });

  it('treats every *-dev-password / *-dev-secret and empty values as development secrets', () => {
    expect(isDevelopmentSecret('host-relay-dev-password')).toBe(true);
    expect(isDevelopmentSecret('component-web-dev-secret')).toBe(true);
    expect(isDevelopmentSecret('  ')).toBe(true);
    expect(isDevelopmentSecret(undefined)).toBe(true);
    expect(isDevelopmentSecret('dev-password-but-longer-and-random-9f8e')).toBe(false);
    expect(() => refuseDevelopmentSecrets({ AUTH_BUS_ENV: 'production' }, [{ variable: 'AUTH0_SECRET', value: '' }])).toThrow(/^AUTH0_SECRET is not set/);
    expect(() => refuseDevelopmentSecrets({}, [{ variable: 'AUTH0_SECRET', value: '' }])).not.toThrow();
  });
});

describe('NATS users and inboxes', () => {
  it('gives every user its own inbox prefix (BusConnection uses it unless told otherwise)', () => {
    expect(natsInboxPrefix('host-relay')).toBe('_INBOX_host-relay');
    expect(new BusConnection({ servers: [], user: 'host-relay', name: 'x', logger: {} as never }).inboxPrefix).toBe('_INBOX_host-relay');
    expect(new BusConnection({ servers: [], user: 'host-relay', inboxPrefix: '_INBOX_x', name: 'x', logger: {} as never }).inboxPrefix).toBe('_INBOX_x');
    expect(natsConfigForUser({}, 'audit-writer')).toEqual({ servers: ['nats://127.0.0.1:4222'], user: 'audit-writer', pass: 'audit-writer-dev-password' });
    expect(new Set(NATS_USERS.map(natsInboxPrefix)).size).toBe(NATS_USERS.length);
  });

  it('knows the same users as infra/nats/nats.conf, each reading only its own inbox', () => {
    const conf = readFileSync(join(REPO, 'infra/nats/nats.conf'), 'utf8');
    const users = [...conf.matchAll(/^\s*user:\s*([\w-]+)/gm)].map((m) => m[1]);
    expect([...users].sort()).toEqual([...NATS_USERS].sort());
    for (const user of users) {
      const block = conf.slice(conf.indexOf(`user: ${user}`)).split(/\n\s*\}\n\s*\}/)[0];
      expect(block).toContain(`subscribe { allow: [`);
      const subscribe = /subscribe \{ allow: \[([^\]]*)\]/.exec(block)![1];
      expect(subscribe.match(/_INBOX[^"]*/g)).toEqual([`${natsInboxPrefix(user)}.>`]);
      expect(block).not.toMatch(/allow_responses/);
    }
  });

  it('lets the responders publish replies into the SERVICE_REQUESTERS inboxes only', () => {
    const conf = readFileSync(join(REPO, 'infra/nats/nats.conf'), 'utf8');
    for (const responder of ['auth-service', 'api-service', 'http-bridge']) {
      const block = conf.slice(conf.indexOf(`user: ${responder}`));
      const publish = /publish \{ allow: \[([^\]]*)\]/.exec(block)![1];
      expect(publish.match(/_INBOX[^"]*/g)).toEqual(SERVICE_REQUESTERS.map((u) => `${natsInboxPrefix(u)}.>`));
    }
  });

  it('documents every development password in infra/nats/nats.env.sample', () => {
    const sample = readFileSync(join(REPO, 'infra/nats/nats.env.sample'), 'utf8');
    for (const user of NATS_USERS) expect(sample).toContain(`${natsPasswordVar(user)}=${DEV_NATS_PASSWORDS[user]}`);
  });
});
