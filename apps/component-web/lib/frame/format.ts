/** "4:59", "59:59", "1 h 05 min" — how long the login is still valid. */
export function formatRemaining(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= 3600) {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${h} h ${String(m).padStart(2, '0')} min`;
  }
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** When to refresh: a lead of 20 % of what is left, between 5 s and 60 s before expiry. */
export function refreshDelayMs(expirySeconds: number, nowMs: number): number {
  const remainingMs = expirySeconds * 1000 - nowMs;
  const leadMs = Math.min(60_000, Math.max(5_000, remainingMs * 0.2));
  return Math.max(0, remainingMs - leadMs);
}

/** Reconnect delay: exponential from `initialMs`, capped at `maxMs`, with 50–100 % jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random, initialMs = 500, maxMs = 10_000): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.5 + random() * 0.5));
}
