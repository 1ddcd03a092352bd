/** What the login driver reads from the provider's pages: forms, hidden inputs, alerts. */
function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The forms of a page: action and hidden inputs. */
export function forms(html: string): Array<{ id?: string; action: string; html: string; hidden: Record<string, string> }> {
  const out = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = m[1];
    const action = /action="([^"]*)"/i.exec(attrs)?.[1];
    if (action === undefined) continue;
    const hidden: Record<string, string> = {};
    for (const input of m[2].matchAll(/<input\b[^>]*>/gi)) {
      if (!/type="hidden"/i.test(input[0])) continue;
      const name = /name="([^"]*)"/i.exec(input[0])?.[1];
      if (name) hidden[unescapeHtml(name)] = unescapeHtml(/value="([^"]*)"/i.exec(input[0])?.[1] ?? '');
    }
    out.push({ id: /id="([^"]*)"/i.exec(attrs)?.[1], action: unescapeHtml(action), html: m[2], hidden });
  }
  return out;
}

export function alertText(html: string): string | undefined {
  const m = /role="alert"[^>]*>([\s\S]*?)<\//i.exec(html);
  return m ? unescapeHtml(m[1].replace(/<[^>]+>/g, '').trim()) : undefined;
}
