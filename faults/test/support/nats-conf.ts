import type { NatsUser } from '@auth-bus/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './stack';

export interface UserPermissions {
  user: NatsUser;
  publish: string[];
  subscribe: string[];
  allowResponses: boolean;
}

/**
 * The users of infra/nats/nats.conf's `authorization { users = [ … ] }` block, each with its
 * publish/subscribe allow lists — read from the file, so the suites follow the configuration.
 */
export function readNatsUsers(): UserPermissions[] {
  const conf = readFileSync(join(REPO_ROOT, 'infra', 'nats', 'nats.conf'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');
  const start = conf.search(/users\s*=\s*\[/);
  if (start < 0) throw new Error('infra/nats/nats.conf has no users = [ … ] block');
  const users: UserPermissions[] = [];
  // Each user is one `{ … }` entry of the list; split on the top-level braces.
  let depth = 0;
  let from = -1;
  for (let i = conf.indexOf('[', start) + 1; i < conf.length; i++) {
    const c = conf[i];
    if (c === '{') {
      if (depth === 0) from = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) users.push(parseUser(conf.slice(from, i + 1)));
    } else if (c === ']' && depth === 0) break;
  }
  return users;
}

function parseUser(block: string): UserPermissions {
  const user = /user:\s*([\w-]+)/.exec(block)?.[1];
  if (!user) throw new Error(`a user entry of nats.conf has no user: ${block.slice(0, 80)}`);
  const list = (kind: string) => {
    const m = new RegExp(`${kind}\\s*\\{\\s*allow:\\s*\\[([^\\]]*)\\]`).exec(block);
    return m ? [...m[1].matchAll(/"([^"]+)"/g)].map((x) => x[1]) : [];
  };
  return { user: user as NatsUser, publish: list('publish'), subscribe: list('subscribe'), allowResponses: /allow_responses:\s*true/.test(block) };
}

/** Whether NATS pattern `pattern` covers `subject` (which may itself hold wildcards, for subscriptions). */
export function covers(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return i < s.length;
    if (i >= s.length) return false;
    if (p[i] === '*') {
      if (s[i] === '>') return false;
      continue;
    }
    if (p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
