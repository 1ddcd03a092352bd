import type { z } from 'zod';
import { BusError } from './errors';

/**
 * Validates a value against a contract schema. On failure throws INVALID_MESSAGE naming the
 * first offending paths — never the values, which may be secrets.
 */
export function parseMessage<S extends z.ZodType>(schema: S, value: unknown, what = 'message'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const where = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`)
    .join('; ');
  throw BusError.invalidMessage(`Invalid ${what} (${where})`);
}
