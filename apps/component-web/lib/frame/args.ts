import { COMPONENT_EVENT_NAMES, SessionId, WebRequestMethod, methodHasBody } from '@auth-bus/contracts';
import { z } from 'zod';

/**
 * The arguments the Streamlit host passes to the component (`streamlit:render` → `args`).
 * Documented for the Python side in apps/component-web/README.md. Parsing is lenient per field:
 * a malformed field falls back to its default and is reported, the rest still applies.
 */

/** A delegated web request the host asks for (`action_request`) or offers as a button (`actions`). */
export const ActionSpec = z
  .object({
    id: z.string().min(1).max(48).regex(/^[A-Za-z0-9._:-]+$/),
    label: z.string().max(128).optional(),
    method: WebRequestMethod.default('GET'),
    path: z.string().min(1).max(256).regex(/^\/[^\s]*$/),
    body: z.record(z.string(), z.unknown()).optional(),
    useauth: z.boolean().default(false),
  })
  .strict()
  .refine((spec) => spec.body === undefined || methodHasBody(spec.method), { message: 'a GET request has no body', path: ['body'] });
export type ActionSpec = z.infer<typeof ActionSpec>;

export type EventName = (typeof COMPONENT_EVENT_NAMES)[number];

const RelayUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'ws:' || url.protocol === 'wss:';
    } catch {
      return false;
    }
  }, 'relay_url must be a ws:// or wss:// URL');

const FIELDS = {
  hostname: z.string().max(256),
  initial_state: z.record(z.string(), z.unknown()).nullable(),
  events: z.array(z.string().max(64)).max(16),
  relay_url: RelayUrl,
  session_id: SessionId,
  height: z.number().int().min(24).max(2000),
  actions: z.array(ActionSpec).max(8),
  action_request: ActionSpec.nullable(),
  /** "Log out everywhere" (issue 21): a new id asks the frame once to end the provider session too. */
  logout_request: z.string().min(1).max(64).regex(/^[A-Za-z0-9._:-]+$/).nullable(),
} as const;

export interface FrameArgs {
  hostname: string;
  initial_state: Record<string, unknown> | null;
  /** Allowed event names (unknown names dropped). */
  events: EventName[];
  relay_url: string | null;
  session_id: string | null;
  height: number | null;
  actions: ActionSpec[];
  action_request: ActionSpec | null;
  logout_request: string | null;
}

export const DEFAULT_ARGS: FrameArgs = {
  hostname: '',
  initial_state: null,
  events: [],
  relay_url: null,
  session_id: null,
  height: null,
  actions: [],
  action_request: null,
  logout_request: null,
};

export function parseFrameArgs(raw: unknown): { args: FrameArgs; problems: string[] } {
  const input = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const args: FrameArgs = { ...DEFAULT_ARGS };
  const problems: string[] = [];
  for (const key of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) {
    const value = input[key];
    if (value === undefined || (value === null && key !== 'initial_state' && key !== 'action_request')) continue;
    const parsed = FIELDS[key].safeParse(value);
    if (!parsed.success) {
      problems.push(`${key}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      continue;
    }
    (args as unknown as Record<string, unknown>)[key] = parsed.data;
  }
  args.events = [...new Set((input.events === undefined ? [] : args.events) as string[])].filter(
    (name): name is EventName => (COMPONENT_EVENT_NAMES as readonly string[]).includes(name),
  );
  return { args, problems };
}

/** What the host believes (from `initial_state`): logged in, and with which access token. */
export function hostView(initial: Record<string, unknown> | null): { loggedIn: boolean; tokenValue?: string } {
  if (!initial) return { loggedIn: false };
  const token = initial.token as { value?: unknown } | null | undefined;
  const tokenValue = token && typeof token.value === 'string' ? token.value : undefined;
  return { loggedIn: Boolean(tokenValue || initial.user), tokenValue };
}
