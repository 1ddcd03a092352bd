/**
 * Which browser origins may use the relay. Matching is exact on the serialized origin
 * (`scheme://host[:port]`), after lower-casing the scheme and host as browsers do.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.allowed = new Set(origins.map(normalize).filter((o): o is string => o !== undefined));
  }

  /** True only for a present origin on the list; `null` (sandboxed frames, file://) and absent origins are refused. */
  isAllowed(origin: string | undefined | null): boolean {
    if (!origin) return false;
    const n = normalize(origin);
    return n !== undefined && this.allowed.has(n);
  }

  get origins(): string[] {
    return [...this.allowed];
  }
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
