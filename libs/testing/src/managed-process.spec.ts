import { spawnSync } from 'node:child_process';
import { processAlive } from './managed-process';

describe('processAlive', () => {
  it('is true for a running process and false for none or one that has ended', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(undefined)).toBe(false);
    expect(processAlive(0)).toBe(false);
    const ended = spawnSync(process.execPath, ['-e', '']).pid;
    expect(processAlive(ended)).toBe(false);
  });
});
