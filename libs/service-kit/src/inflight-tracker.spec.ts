import { InflightTracker } from './inflight-tracker';

describe('InflightTracker', () => {
  it('is idle at once when nothing runs', async () => {
    await expect(new InflightTracker().idle(10)).resolves.toBe(true);
  });

  it('resolves when the last unit ends, counting each end once', async () => {
    const tracker = new InflightTracker();
    const a = tracker.begin();
    const b = tracker.begin();
    const idle = tracker.idle(1_000);
    a();
    a();
    expect(tracker.size).toBe(1);
    b();
    await expect(idle).resolves.toBe(true);
  });

  it('gives up at the deadline', async () => {
    const tracker = new InflightTracker();
    tracker.begin();
    await expect(tracker.idle(20)).resolves.toBe(false);
  });
});
