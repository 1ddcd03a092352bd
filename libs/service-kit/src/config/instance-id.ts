import { randomBytes } from 'node:crypto';

/** `<service>-<6 hex>`: the default replica id (INSTANCE_ID overrides it). */
export function defaultInstanceId(service: string): string {
  return `${service}-${randomBytes(3).toString('hex')}`;
}
