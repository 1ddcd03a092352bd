import { createServer } from 'node:net';
import { freePort } from './free-port';
import { ManagedProcess } from './managed-process';
import { NatsHarness } from './nats-harness';
import { waitFor } from './wait-for';

describe('test harness', () => {
  it('freePort gives a port a server can listen on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((r) => server.close(r));
    expect(port).toBeGreaterThan(0);
  });

  it('waitFor resolves with the first truthy value and names what it waited for on timeout', async () => {
    let calls = 0;
    await expect(waitFor(() => ++calls >= 3 && 'ready', { interval: 5 })).resolves.toBe('ready');
    await expect(waitFor(() => false, { timeout: 50, interval: 5, what: 'the moon' })).rejects.toThrow(/the moon/);
  });

  it('ManagedProcess keeps output and stops a process that ignores SIGTERM with SIGKILL', async () => {
    const proc = ManagedProcess.start('stubborn', process.execPath, [
      '-e',
      "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up'); setInterval(() => {}, 1000)",
    ]);
    await waitFor(() => proc.lines.includes('up'), { what: 'the child to start' });
    await proc.stop('SIGTERM', 200);
    expect(proc.running).toBe(false);
    expect(proc.tail()).toContain('ignoring SIGTERM');
  });

  it('NatsHarness restarts nats-server on the same port with the same JetStream store', async () => {
    const nats = await NatsHarness.start();
    try {
      const nc = await nats.connectAs('audit-writer');
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'AUDIT', subjects: ['audit.events.>'] });
      await nc.close();
      await nats.restart(100);
      const again = await nats.connectAs('audit-writer');
      const info = await (await again.jetstreamManager()).streams.info('AUDIT');
      expect(info.config.subjects).toEqual(['audit.events.>']);
      await again.close();
    } finally {
      await nats.dispose();
    }
  });
});
