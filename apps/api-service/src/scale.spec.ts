import { parseScaleArgs } from './scale';

describe('parseScaleArgs', () => {
  it('takes the replica count and an optional instance prefix', () => {
    expect(parseScaleArgs(['3', '--prefix=bench'])).toEqual({ replicas: 3, prefix: 'bench' });
    expect(parseScaleArgs([]).replicas).toBe(1);
    expect(parseScaleArgs([], { API_REPLICAS: '2' }).replicas).toBe(2);
    expect(parseScaleArgs(['2']).prefix).toMatch(/^api-service-[0-9a-f]{4}$/);
  });

  it.each(['0', '-1', 'three', '1.5', '33', ''])('refuses the count %p', (count) => {
    expect(() => parseScaleArgs([count])).toThrow(/replica count/);
  });

  it('refuses unknown options, extra counts and odd prefixes', () => {
    expect(() => parseScaleArgs(['2', '--replicas=3'])).toThrow(/unknown option/);
    expect(() => parseScaleArgs(['2', '3'])).toThrow(/one replica count/);
    expect(() => parseScaleArgs(['2', '--prefix=a b'])).toThrow(/--prefix/);
  });
});
