import { EVENTS, IDEMPOTENT_SUBJECTS, NON_IDEMPOTENT_SUBJECTS, RPC, SCHEMAS, SUBJECT_SCHEMAS } from './registry';

describe('registry', () => {
  it('names the exported schemas of every request–reply and event subject (what other languages validate with)', () => {
    for (const subject of Object.keys(RPC)) {
      expect({ subject, ...SUBJECT_SCHEMAS[subject] }).toEqual({ subject, request: expect.any(String), reply: expect.any(String) });
    }
    for (const subject of Object.keys(EVENTS)) expect({ subject, ...SUBJECT_SCHEMAS[subject] }).toEqual({ subject, event: expect.any(String) });
    for (const names of Object.values(SUBJECT_SCHEMAS)) for (const name of Object.values(names)) expect(Object.keys(SCHEMAS)).toContain(name);
  });

  it('decides for every request–reply subject whether a client may retry it: exactly one of the two sets', () => {
    for (const subject of Object.keys(RPC) as (keyof typeof RPC)[]) {
      expect({ subject, retried: IDEMPOTENT_SUBJECTS.has(subject), write: NON_IDEMPOTENT_SUBJECTS.has(subject) }).toEqual({ subject, retried: !NON_IDEMPOTENT_SUBJECTS.has(subject), write: !IDEMPOTENT_SUBJECTS.has(subject) });
    }
    expect(IDEMPOTENT_SUBJECTS.size + NON_IDEMPOTENT_SUBJECTS.size).toBe(Object.keys(RPC).length);
  });
});
