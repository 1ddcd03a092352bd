import type { AuthFailureReason } from '@auth-bus/contracts';
import { decodeJwt, generateRsaKey, hs256Token, resign, tamperPayload, unsignedToken, type RsaKey } from './jwt-forge';

export interface AttackCase {
  name: string;
  /** The token to present (undefined: no Authorization header at all). */
  token?: string;
  /** The reason(s) a correct verifier gives. */
  reasons: AuthFailureReason[];
}

export interface AttackInputs {
  /** A real access token of the issuer under test (its claims and kid are the template). */
  accessToken: string;
  /** The issuer's public key as PEM (what an HS256 confusion attack uses as its secret). */
  publicKeyPem: string;
  /** A real ID token of the same issuer, if there is one. */
  idToken?: string;
  /** A real access token that has expired, if there is one. */
  expiredToken?: string;
}

let attacker: RsaKey | undefined;

/** The attacker's own RSA key (one per process). */
export function attackerKey(): RsaKey {
  return (attacker ??= generateRsaKey('attacker-key'));
}

/**
 * The attack list, built from real tokens of the issuer under test: every forgery keeps the
 * real claims and only changes what the attack is about, so that the refusal is for that reason
 * and no other.
 */
export function attackCases(inputs: AttackInputs): AttackCase[] {
  const { header, payload } = decodeJwt(inputs.accessToken);
  const realKid = header.kid as string | undefined;
  const key = attackerKey();
  const cases: AttackCase[] = [
    { name: 'no token', token: undefined, reasons: ['missing'] },
    { name: 'garbage', token: 'this-is-not-a-jwt', reasons: ['malformed'] },
    { name: 'three segments of garbage', token: 'abc.def.ghi', reasons: ['malformed'] },
    { name: 'alg: none', token: unsignedToken(payload, { kid: realKid }), reasons: ['wrong_algorithm'] },
    { name: 'HS256 signed with the public key', token: hs256Token(payload, inputs.publicKeyPem, { kid: realKid }), reasons: ['wrong_algorithm'] },
    { name: 'signed by another key with the real kid', token: resign(inputs.accessToken, key, { kid: realKid }), reasons: ['bad_signature'] },
    { name: 'signed by another key with an unknown kid', token: resign(inputs.accessToken, key, { kid: 'attacker-kid' }), reasons: ['unknown_key'] },
    {
      name: 'tampered payload (permissions added)',
      token: tamperPayload(inputs.accessToken, (p) => ({ ...p, permissions: [...((p.permissions as string[]) ?? []), 'admin:everything'] })),
      reasons: ['bad_signature'],
    },
    { name: 'tampered payload (sub changed)', token: tamperPayload(inputs.accessToken, (p) => ({ ...p, sub: 'auth0|mallory' })), reasons: ['bad_signature'] },
    {
      name: 'wrong audience',
      token: resign(inputs.accessToken, key, { kid: realKid }, (p) => ({ ...p, aud: 'https://evil.example.test/api' })),
      reasons: ['wrong_audience'],
    },
    {
      name: 'wrong issuer',
      token: resign(inputs.accessToken, key, { kid: realKid }, (p) => ({ ...p, iss: 'https://evil.example.test/' })),
      reasons: ['wrong_issuer'],
    },
  ];
  if (inputs.expiredToken) cases.push({ name: 'expired', token: inputs.expiredToken, reasons: ['expired'] });
  if (inputs.idToken) cases.push({ name: 'ID token used as an access token', token: inputs.idToken, reasons: ['not_access_token', 'wrong_audience'] });
  return cases;
}
