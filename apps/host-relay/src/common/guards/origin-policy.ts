/** Hosts of a developer's own machine, as `URL.hostname` spells them. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface OriginPolicyOptions {
  /**
   * Also allow any `http://localhost:<port>`, `http://127.0.0.1:<port>` and `http://[::1]:<port>`
   * (development only: a developer's own `streamlit run` on :8501 works without configuration).
   */
  allowLoopback?: boolean;
}

/**
 * Which browser origins may use the relay. Matching is exact on the serialized origin
 * (`scheme://host[:port]`), after lower-casing the scheme and host as browsers do; in
 * development, local `http` origins on any port are allowed as well.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;
  readonly allowLoopback: boolean;

  constructor(origins: readonly string[], options: OriginPolicyOptions = {}) {
    this.allowed = new Set(origins.map(normalize).filter((o): o is string => o !== undefined));
    this.allowLoopback = options.allowLoopback ?? false;
  }

  /** True only for a present origin on the list (or local in development); `null` (sandboxed frames, file://) and absent origins are refused. */
  isAllowed(origin: string | undefined | null): boolean {
    if (!origin) return false;
    const n = normalize(origin);
    if (n === undefined) return false;
    if (this.allowed.has(n)) return true;
    return this.allowLoopback && isLoopbackHttp(n);
  }

  get origins(): string[] {
    return [...this.allowed];
  }
}

function isLoopbackHttp(origin: string): boolean {
  const url = new URL(origin);
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

function normalize(origin: string): string | undefined {
  if (origin === 'null') return undefined;
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}
