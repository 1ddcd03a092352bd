import { cliServers, CliUsageError, parseCliFlags, readCommandLine } from './cli-runner';

describe('parseCliFlags', () => {
  it('reads the tool flags plus --server and --help', () => {
    expect(parseCliFlags(['--user', 'a', '--server', 'nats://x:1', '-h'], { user: { type: 'string' } })).toEqual({ user: 'a', server: 'nats://x:1', help: true });
    expect(parseCliFlags([], { json: { type: 'boolean', default: false } })).toEqual({ json: false, help: false });
  });

  it.each([[['--bogus']], [['positional']], [['--user']]])('refuses %j with a CliUsageError', (argv) => {
    expect(() => parseCliFlags(argv, { user: { type: 'string' } })).toThrow(CliUsageError);
  });
});

describe('cliServers', () => {
  it('takes --server (comma-separated), else NATS_URL, else the local port', () => {
    expect(cliServers('nats://a:1, nats://b:2', { NATS_URL: 'nats://c:3' })).toEqual(['nats://a:1', 'nats://b:2']);
    expect(cliServers(undefined, { NATS_URL: 'nats://c:3' })).toEqual(['nats://c:3']);
    expect(cliServers(undefined, { NATS_PORT: '4333' })).toEqual(['nats://127.0.0.1:4333']);
  });
});

describe('readCommandLine', () => {
  const lines = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  };

  it('returns the options when there is work to do', () => {
    const { out, err, io } = lines();
    expect(readCommandLine('tool', 'USAGE', () => ({ help: false, x: 1 }), io)).toEqual({ help: false, x: 1 });
    expect([out, err]).toEqual([[], []]);
  });

  it('prints the usage on stdout for --help (or what the tool says needs it), exit code 0', () => {
    const { out, io } = lines();
    expect(readCommandLine('tool', 'USAGE', () => ({ help: true }), io)).toBe(0);
    expect(readCommandLine('tool', 'USAGE', () => ({ help: false }), io, () => true)).toBe(0);
    expect(out).toEqual(['USAGE', 'USAGE']);
  });

  it('prints a usage error with the usage on stderr, exit code 2; other errors are thrown', () => {
    const { out, err, io } = lines();
    const bad = () => {
      throw new CliUsageError('--x: bad');
    };
    expect(readCommandLine('tool', 'USAGE', bad, io)).toBe(2);
    expect(err).toEqual(['tool: --x: bad\n\nUSAGE']);
    expect(out).toEqual([]);
    expect(() =>
      readCommandLine('tool', 'USAGE', () => {
        throw new Error('boom');
      }, io),
    ).toThrow('boom');
  });
});
