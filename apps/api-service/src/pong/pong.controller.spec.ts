import { ApiPongReply, ApiPongScopedReply, SUBJECTS } from '@auth-bus/contracts';
import { SERVICE_RUNTIME } from '@auth-bus/service-kit';
import { BusAuthGuard, REQUIRED_PERMISSIONS_KEY, toVerifiedToken } from '@auth-bus/token-verifier';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { Test } from '@nestjs/testing';
import { PongController } from './pong.controller';
import { PongService } from './pong.service';

const alice = toVerifiedToken(
  { sub: 'auth0|alice', exp: Math.floor(Date.now() / 1000) + 60, iss: 'http://localhost:4400/', permissions: ['read:messages'] },
  '0123456789abcdef',
);

describe('PongController', () => {
  let controller: PongController;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [PongController],
      providers: [PongService, { provide: SERVICE_RUNTIME, useValue: { instance: 'api-service-test' } }],
    })
      .overrideGuard(BusAuthGuard)
      .useValue({ canActivate: () => true })
      .compile();
    controller = moduleRef.get(PongController);
  });

  it('greets the verified caller on api.pong', () => {
    const reply = controller.pong({}, alice);
    expect(ApiPongReply.parse(reply)).toEqual(reply);
    expect(reply).toMatchObject({ sub: 'auth0|alice', instance: 'api-service-test' });
    expect(reply.data).toContain('SECURE');
    expect(reply.data).toContain('auth0|alice');
  });

  it('names the permission on api.pong-scoped', () => {
    const reply = controller.pongScoped({}, alice);
    expect(ApiPongScopedReply.parse(reply)).toEqual(reply);
    expect(reply).toMatchObject({ sub: 'auth0|alice', permission: 'read:messages' });
  });

  it('is guarded as a whole, and api.pong-scoped requires read:messages', () => {
    expect(Reflect.getMetadata(GUARDS_METADATA, PongController)).toEqual([BusAuthGuard]);
    expect(Reflect.getMetadata(REQUIRED_PERMISSIONS_KEY, PongController.prototype.pongScoped)).toEqual(['read:messages']);
    expect(Reflect.getMetadata(REQUIRED_PERMISSIONS_KEY, PongController.prototype.pong)).toBeUndefined();
    expect(Reflect.getMetadata(PATTERN_METADATA, PongController.prototype.pong)).toEqual([SUBJECTS.api.pong]);
    expect(Reflect.getMetadata(PATTERN_METADATA, PongController.prototype.pongScoped)).toEqual([SUBJECTS.api.pongScoped]);
  });
});
