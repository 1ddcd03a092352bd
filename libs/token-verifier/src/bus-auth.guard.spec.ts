import { BusError } from '@auth-bus/contracts';
import { Controller } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { NatsContext } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { headers as natsHeaders } from 'nats';
import type { AuthAllowed, AuthDecisionListener, AuthDenied } from './auth-decision.listener';
import { identityOf } from './auth-identity.decorator';
import { BusAuthGuard } from './bus-auth.guard';
import { RequirePermission } from './require-permission.decorator';
import { LocalIssuer } from './testing';
import { TokenVerifierModule } from './token-verifier.module';

@Controller()
class SampleController {
  open(): string {
    return 'ok';
  }

  @RequirePermission('read:messages')
  scoped(): string {
    return 'ok';
  }
}

function contextFor(handler: 'open' | 'scoped', headerPairs: Array<[string, string]>, subject = 'api.test') {
  const hdrs = headerPairs.length ? natsHeaders() : undefined;
  for (const [k, v] of headerPairs) hdrs!.append(k, v);
  const nats = new NatsContext([subject, hdrs]);
  const host = new ExecutionContextHost([{}, nats], SampleController, SampleController.prototype[handler]);
  host.setType('rpc');
  return { host, nats };
}

describe('BusAuthGuard', () => {
  let issuer: LocalIssuer;
  let guard: BusAuthGuard;
  const allowed: AuthAllowed[] = [];
  const denied: AuthDenied[] = [];
  const listener: AuthDecisionListener = { allowed: (d) => allowed.push(d), denied: (d) => denied.push(d) };

  beforeAll(async () => {
    issuer = await LocalIssuer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience }, { listener })],
    }).compile();
    guard = moduleRef.get(BusAuthGuard);
  });
  afterAll(() => issuer.close());
  beforeEach(() => {
    allowed.length = 0;
    denied.length = 0;
  });

  async function failure(handler: 'open' | 'scoped', headers: Array<[string, string]>): Promise<BusError> {
    try {
      await guard.canActivate(contextFor(handler, headers).host);
    } catch (err) {
      expect(err).toBeInstanceOf(BusError);
      return err as BusError;
    }
    throw new Error('expected the guard to refuse');
  }

  it('lets a valid bearer token through and attaches the identity to the message context', async () => {
    const token = issuer.accessToken('local|alice');
    const { host, nats } = contextFor('open', [['Authorization', `Bearer ${token}`]]);
    await expect(Promise.resolve(guard.canActivate(host))).resolves.toBe(true);
    expect(identityOf(nats)).toMatchObject({ sub: 'local|alice' });
    expect(allowed).toEqual([expect.objectContaining({ subject: 'api.test', tokenHash: identityOf(nats)!.tokenHash })]);
    expect(denied).toEqual([]);
  });

  it.each([
    ['lower-case scheme', 'authorization', 'bearer'],
    ['upper-case scheme', 'Authorization', 'BEARER'],
    ['mixed-case header name', 'AUTHORIZATION', 'Bearer'],
  ])('accepts a %s', async (_what, header, scheme) => {
    const { host } = contextFor('open', [[header, `${scheme} ${issuer.accessToken('local|bob')}`]]);
    await expect(Promise.resolve(guard.canActivate(host))).resolves.toBe(true);
  });

  it('answers synchronously for a token it has verified before (the fast path)', async () => {
    const token = issuer.accessToken('local|alice');
    const first = guard.canActivate(contextFor('open', [['Authorization', `Bearer ${token}`]]).host);
    expect(first).toBeInstanceOf(Promise);
    await first;
    const { host, nats } = contextFor('scoped', [['Authorization', `Bearer ${token}`]]);
    expect(guard.canActivate(host)).toBe(true);
    expect(identityOf(nats)).toMatchObject({ sub: 'local|alice' });
    expect(allowed).toHaveLength(2);
    // The fast path still checks permissions, and still refuses synchronously.
    const noPerm = issuer.accessToken('local|bob', { permissions: [] });
    await Promise.resolve(guard.canActivate(contextFor('open', [['Authorization', `Bearer ${noPerm}`]]).host));
    expect(() => guard.canActivate(contextFor('scoped', [['Authorization', `Bearer ${noPerm}`]]).host)).toThrow(BusError);
  });

  it('refuses a message without the header as missing', async () => {
    const err = await failure('open', []);
    expect(err).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'missing' });
    expect(denied).toEqual([expect.objectContaining({ reason: 'missing', tokenHash: undefined })]);
  });

  it.each([
    ['another scheme', [['Authorization', `Basic ${Buffer.from('a:b').toString('base64')}`]]],
    ['a scheme without a token', [['Authorization', 'Bearer']]],
    ['two Authorization headers', [['Authorization', 'Bearer a.b.c'], ['Authorization', 'Bearer d.e.f']]],
    ['garbage', [['Authorization', 'Bearer garbage']]],
  ] as Array<[string, Array<[string, string]>]>)('refuses %s as malformed', async (_what, headers) => {
    expect(await failure('open', headers)).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'malformed' });
  });

  it('refuses a token without the required permission as FORBIDDEN, naming it', async () => {
    const token = issuer.accessToken('local|bob', { permissions: [] });
    const err = await failure('scoped', [['Authorization', `Bearer ${token}`]]);
    expect(err).toMatchObject({ code: 'FORBIDDEN', permission: 'read:messages', reason: 'missing_permission' });
    expect(denied).toEqual([expect.objectContaining({ reason: 'missing_permission', sub: 'local|bob' })]);
    expect(denied[0].tokenHash).toMatch(/^[0-9a-f]{16}$/);
    expect(allowed).toEqual([]);
  });

  it('accepts the permission from the permissions claim', async () => {
    const { host } = contextFor('scoped', [['Authorization', `Bearer ${issuer.accessToken('local|alice', { permissions: ['read:messages'] })}`]]);
    await expect(Promise.resolve(guard.canActivate(host))).resolves.toBe(true);
  });

  it('does not let a scope stand in for a permission (issue 13.11)', async () => {
    const token = issuer.accessToken('local|mallory', { permissions: undefined, scope: 'openid read:messages' });
    expect(await failure('scoped', [['Authorization', `Bearer ${token}`]])).toMatchObject({ code: 'FORBIDDEN', permission: 'read:messages' });
    const emptyPermissions = issuer.accessToken('local|mallory', { permissions: [], scope: 'openid read:messages' });
    expect(await failure('scoped', [['Authorization', `Bearer ${emptyPermissions}`]])).toMatchObject({ code: 'FORBIDDEN' });
  });

  it.each([
    ['scope', { permissions: undefined, scope: 'openid read:messages' }, { permissions: ['read:messages'], scope: 'openid' }],
    ['realm_access.roles', { realm_access: { roles: ['read:messages', 'offline_access'] } }, { permissions: ['read:messages'], realm_access: { roles: [] } }],
    [
      'resource_access.component-web.roles',
      { resource_access: { 'component-web': { roles: ['read:messages'] } } },
      { resource_access: { account: { roles: ['read:messages'] } } },
    ],
    ['perms', { perms: 'read:messages read:audit' }, { perms: ['read:audit'] }],
  ])('reads permissions from the configured claim %s, and from nowhere else', async (claim, granting, notGranting) => {
    const moduleRef = await Test.createTestingModule({
      imports: [TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience, permissionsClaim: claim })],
    }).compile();
    const claimGuard = moduleRef.get(BusAuthGuard);
    const yes = contextFor('scoped', [['Authorization', `Bearer ${issuer.accessToken('local|a', { permissions: undefined, ...granting })}`]]);
    await expect(Promise.resolve(claimGuard.canActivate(yes.host))).resolves.toBe(true);
    expect(identityOf(yes.nats)?.permissions).toContain('read:messages');
    const no = contextFor('scoped', [['Authorization', `Bearer ${issuer.accessToken('local|b', notGranting)}`]]);
    await expect(Promise.resolve(claimGuard.canActivate(no.host))).rejects.toMatchObject({ code: 'FORBIDDEN', permission: 'read:messages' });
  });

  it('never hands the token to the listener', async () => {
    const token = issuer.accessToken('local|alice', { permissions: [] });
    await failure('scoped', [['Authorization', `Bearer ${token}`]]);
    expect(JSON.stringify(denied)).not.toContain(token);
  });
});
