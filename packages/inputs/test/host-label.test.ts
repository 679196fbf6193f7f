import { parseHost } from '../src/index.js';
import { hostLabel } from '@sophia/reporting';

describe('hostLabel: the one name of a host in outputs, summaries, logs and errors', () => {
  test.each([
    [{ host: 'web-1', port: 22 }, 'web-1:22'],
    [{ host: '104.171.202.103', port: 2222 }, '104.171.202.103:2222'],
    [{ host: '2001:db8::1', port: 22 }, '[2001:db8::1]:22'],
    [{ host: '[2001:db8::1]', port: 2200 }, '[2001:db8::1]:2200'],
  ])('%j is %s', (target, label) => {
    expect(hostLabel(target)).toBe(label);
  });

  test('a label is a valid entry of the host input, naming the same host and port', () => {
    for (const target of [
      { host: 'web-1', port: 2222 },
      { host: '10.0.0.5', port: 22 },
      { host: '2001:db8::1', port: 22 },
    ]) {
      expect(parseHost('host', hostLabel(target))).toEqual(target);
    }
  });
});
