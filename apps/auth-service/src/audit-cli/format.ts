import type { AuditEvent } from '@auth-bus/contracts';

const COLUMNS: Array<{ title: string; width: number; value: (e: AuditEvent) => string }> = [
  { title: 'TIME (UTC)', width: 19, value: (e) => e.at.replace('T', ' ').slice(0, 19) },
  { title: 'KIND', width: 15, value: (e) => e.kind },
  // api.* events may stand for several identical calls (coalesced): how many.
  { title: 'CALLS', width: 5, value: (e) => (e.kind.startsWith('api.') ? String(e.count ?? 1) : '-') },
  // session.revoked: who revoked (an operator with the revoke command when absent) → whose tokens.
  { title: 'USER', width: 22, value: (e) => (e.kind === 'session.revoked' ? `${e.sub ?? 'operator'}→${e.target_sub ?? 'token'}` : (e.sub ?? '-')) },
  { title: 'SESSION', width: 18, value: (e) => e.session_id ?? '-' },
  { title: 'TOKEN', width: 16, value: (e) => e.token_hash ?? '-' },
  { title: 'SUBJECT', width: 15, value: (e) => e.subject ?? '-' },
  { title: 'REASON', width: 18, value: (e) => e.reason ?? '-' },
  { title: 'SEEN BY', width: 0, value: (e) => e.instance },
];

function cell(text: string, width: number): string {
  if (width === 0) return text;
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/** The header line of the table. */
export function tableHeader(): string {
  return COLUMNS.map((c) => cell(c.title, c.width)).join('  ');
}

/** One table row (fixed widths, so rows printed while following line up with the header). */
export function tableRow(event: AuditEvent): string {
  return COLUMNS.map((c) => cell(c.value(event), c.width)).join('  ');
}

export function jsonLine(event: AuditEvent): string {
  return JSON.stringify(event);
}
