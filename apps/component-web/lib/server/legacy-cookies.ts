/**
 * Earlier versions set the SDK's session (`__session`) and the frame's copy (`__cwf`) with path
 * `/`, so browsers kept sending them to Streamlit on the same host (issue 14). Current cookies
 * live under `/auth` and `/api/session`; a response that sees one of these names expires the
 * path-`/` variant (a different cookie: name, domain *and* path identify it). Deleting one that
 * does not exist is a no-op, so this needs no way to tell which variant a request carried.
 */
const LEGACY = /^(__session|__cwf)(__\d+)?$/;

export function legacyRootCookieDeletions(requestCookieNames: string[]): string[] {
  const out: string[] = [];
  for (const name of new Set(requestCookieNames)) {
    if (!LEGACY.test(name)) continue;
    out.push(`${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
    // the old frame copy was Partitioned (CHIPS): only a Partitioned deletion reaches it
    if (name.startsWith('__cwf')) out.push(`${name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None; Partitioned`);
    else out.push(`${name}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None`);
  }
  return out;
}
