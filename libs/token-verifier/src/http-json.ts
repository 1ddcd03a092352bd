/** Why a JSON document could not be read, worded for the operator (status, timeout, not JSON). */
export class JsonFetchError extends Error {
  constructor(
    readonly url: string,
    readonly problem: string,
  ) {
    super(`${url}: ${problem}`);
    this.name = 'JsonFetchError';
  }
}

const MAX_BYTES = 512 * 1024;

/**
 * GET a small JSON document (a discovery document or a JWKS) with a deadline and a size bound.
 * Redirects are followed (fetch's default), as OpenID Connect providers behind proxies need.
 */
export async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new JsonFetchError(url, `no answer within ${timeoutMs} ms`);
    throw new JsonFetchError(url, e.cause?.code ?? e.cause?.message ?? e.message);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw new JsonFetchError(url, `HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BYTES) {
    await res.body?.cancel().catch(() => undefined);
    throw new JsonFetchError(url, `response larger than ${MAX_BYTES} bytes`);
  }
  const text = await res.text();
  if (text.length > MAX_BYTES) throw new JsonFetchError(url, `response larger than ${MAX_BYTES} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new JsonFetchError(url, 'the response is not JSON');
  }
}
