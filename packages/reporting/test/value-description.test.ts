import { describeValue, shortenValue } from '../src/index.js';

describe('shortenValue', () => {
  it('keeps a short value whole and cuts a long one to 100 characters and its length, unquoted', () => {
    expect(shortenValue('https://example.com/health')).toBe('https://example.com/health');
    expect(shortenValue('y'.repeat(100))).toBe('y'.repeat(100));
    expect(shortenValue('y'.repeat(100_000))).toBe(`${'y'.repeat(100)}… (100000 characters)`);
  });
});

describe('describeValue', () => {
  it('quotes a short value whole', () => {
    expect(describeValue('5m')).toBe('"5m"');
  });

  it('shows a long value as a 100-character prefix and its length, never the whole', () => {
    const long = `${'x'.repeat(100)}${'y'.repeat(100_000)}`;
    expect(describeValue(long)).toBe(`"${'x'.repeat(100)}"… (100100 characters)`);
  });

  it('never shows a secret', () => {
    expect(describeValue('hunter2-token', true)).toBe('a value that does not fit');
  });
});
