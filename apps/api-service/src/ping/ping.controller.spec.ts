import { ApiPingReply } from '@auth-bus/contracts';
import { SERVICE_RUNTIME } from '@auth-bus/service-kit';
import { Test } from '@nestjs/testing';
import { PingController } from './ping.controller';
import { PingService } from './ping.service';

describe('PingController', () => {
  it('answers the public greeting with the time and the replica id, in the contract shape', async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [PingController],
      providers: [PingService, { provide: SERVICE_RUNTIME, useValue: { instance: 'api-service-test' } }],
    }).compile();
    const reply = moduleRef.get(PingController).ping({});
    expect(ApiPingReply.parse(reply)).toEqual(reply);
    expect(reply.instance).toBe('api-service-test');
    expect(reply.data).toBe(`Hello from a PUBLIC endpoint! ${reply.at}`);
    expect(Math.abs(Date.parse(reply.at) - Date.now())).toBeLessThan(5_000);
  });
});
