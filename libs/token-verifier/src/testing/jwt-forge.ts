import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/**
 * Hand-made JWTs for attack tests: any header, any payload, any signature. Nothing here trusts
 * or checks anything — it is the attacker's toolbox.
 */
export type JwtHeader = Record<string, unknown>;
export type JwtPayload = Record<string, unknown>;

export const b64url = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decodeJwt(token: string): { header: JwtHeader; payload: JwtPayload; signature: string } {
  const [h, p, s] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
    signature: s ?? '',
  };
}

export interface RsaKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function generateRsaKey(kid: string): RsaKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, publicKey };
}

/** A JWS signed with RS256 by `key`, with exactly the given header (kid included if wanted). */
export function signRs256(header: JwtHeader, payload: JwtPayload, privateKey: KeyObject | string): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** `alg: none`, no signature. */
export function unsignedToken(payload: JwtPayload, header: JwtHeader = {}): string {
  return `${b64url({ ...header, alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`;
}

/** HS256 with `secret` as the HMAC key — e.g. the issuer's public key PEM (the classic confusion attack). */
export function hs256Token(payload: JwtPayload, secret: string | Buffer, header: JwtHeader = {}): string {
  const input = `${b64url({ ...header, alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The same token with a changed payload and the original signature. */
export function tamperPayload(token: string, change: (payload: JwtPayload) => JwtPayload): string {
  const [h, , s] = token.split('.');
  const { payload } = decodeJwt(token);
  return `${h}.${b64url(change({ ...payload }))}.${s}`;
}

/** A token with the given claims template re-signed by another key (attacker's key). */
export function resign(token: string, key: RsaKey, header: JwtHeader = {}, change: (p: JwtPayload) => JwtPayload = (p) => p): string {
  const decoded = decodeJwt(token);
  return signRs256({ ...decoded.header, ...header, alg: 'RS256' }, change({ ...decoded.payload }), key.privateKey);
}

/** PEM of a public JWK (e.g. from an issuer's JWKS). */
export function jwkToPem(jwk: Record<string, unknown>): string {
  return createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
}
