// Small helpers for the Koa middleware of dev-idp (request bodies, HTML/JSON answers).
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/** Reads a request body (at most `limit` bytes). */
export async function readBody(req: IncomingMessage, limit = 56 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

export async function readForm(ctx: any, limit = 16 * 1024): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  return new URLSearchParams((await readBody(ctx.req, limit)).toString('utf8'));
}

export function sendHtml(ctx: any, status: number, html: string): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = html;
}

export function sendJson(ctx: any, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'application/json; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}
