import { RelayOutages } from './relay-outages';

describe('RelayOutages', () => {
  it('reports once per outage, and afresh for a new relay or session', () => {
    const reports: string[] = [];
    const outages = new RelayOutages((m) => reports.push(m));
    outages.setTarget('ws://relay/ws', 's1');
    outages.onState('connecting');
    outages.onState('offline');
    outages.onState('offline');
    expect(reports).toEqual(['Cannot reach host-relay; retrying.']);
    outages.onState('open');
    outages.onState('offline');
    expect(reports.at(-1)).toBe('Lost the connection to host-relay; reconnecting.');
    outages.setTarget('ws://relay/ws', 's1'); // same target: nothing changes
    outages.onState('offline');
    expect(reports).toHaveLength(2);
    outages.setTarget('ws://relay/ws', 's2');
    outages.onState('offline');
    expect(reports).toEqual(['Cannot reach host-relay; retrying.', 'Lost the connection to host-relay; reconnecting.', 'Cannot reach host-relay; retrying.']);
  });
});
