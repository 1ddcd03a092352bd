import { BusError } from '@auth-bus/contracts';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { toHttpError } from '../filters/error-response';

/**
 * Refuses a request whose declared body is larger than the limit before anything reads it
 * (413 PAYLOAD_TOO_LARGE). Bodies without a length (chunked) are bounded where they are read
 * (`readJsonBody`).
 */
export function bodyLimitMiddleware(maxBytes: number) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (Number.isFinite(declared) && declared > maxBytes) {
      const { status, body } = toHttpError(new BusError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`));
      // The client is still sending the body: answer, then close instead of draining it.
      res.status(status).set('Connection', 'close').json(body);
      return;
    }
    next();
  };
}

/** Reads a JSON object body of at most `maxBytes`; an empty body is `{}`. */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(new BusError('PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBytes} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', () => {
      if (!failed) reject(BusError.invalidMessage('Request body could not be read'));
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (!text) return resolve({});
      try {
        const value = JSON.parse(text);
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return reject(BusError.invalidMessage('Request body must be a JSON object'));
        }
        resolve(value as Record<string, unknown>);
      } catch {
        reject(BusError.invalidMessage('Request body is not valid JSON'));
      }
    });
  });
}
