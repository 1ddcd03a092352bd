import { BusError } from '@auth-bus/contracts';
import { Test } from '@nestjs/testing';
import { TokenVerifierModule } from '../token-verifier.module';
import { TokenVerifierService } from '../token-verifier.service';
import { attackCases } from './attacks';
import { jwkToPem } from './jwt-forge';
import { LocalIssuer } from './local-issuer';

describe('attackCases', () => {
  it('builds forgeries that a correct verifier refuses for exactly the stated reason', async () => {
    const issuer = await LocalIssuer.start();
    try {
      const verifier = (
        await Test.createTestingModule({ imports: [TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience, clockToleranceSec: 0 })] }).compile()
      ).get(TokenVerifierService);
      const accessToken = issuer.accessToken('local|alice');
      const cases = attackCases({
        accessToken,
        publicKeyPem: jwkToPem(issuer.jwks().keys[0]),
        idToken: issuer.accessToken('local|alice', { aud: 'client-id', nonce: 'n' }),
        expiredToken: issuer.accessToken('local|alice', { exp: Math.floor(Date.now() / 1000) - 5 }),
      });
      expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(['alg: none', 'expired', 'ID token used as an access token']));
      for (const attack of cases) {
        const outcome = await verifier.verify(attack.token).then(
          () => 'accepted',
          (err: BusError) => err.reason,
        );
        expect({ attack: attack.name, ok: attack.reasons.includes(outcome as never), outcome }).toMatchObject({ attack: attack.name, ok: true });
      }
      await expect(verifier.verify(accessToken)).resolves.toMatchObject({ sub: 'local|alice' });
    } finally {
      await issuer.close();
    }
  });
});
