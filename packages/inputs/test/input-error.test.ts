import { integer, mustBe } from '../src/index.js';

describe('describeValue in input messages', () => {
  it('keeps the message about a 100 KB input short and naming the input', () => {
    const message = (() => {
      try {
        integer(1, 10)('connect-attempts', '9'.repeat(100_000));
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toMatch(
      /^Input "connect-attempts" must be an integer from 1 to 10, got "9{100}"… \(100000 characters\)$/,
    );
    expect(mustBe('x', 'y', 'z'.repeat(5000)).message.length).toBeLessThan(300);
  });
});
