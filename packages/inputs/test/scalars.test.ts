import { boolean, duration, integer } from '../src/index.js';

describe('integer', () => {
  it('names the input and the range', () => {
    expect(() => integer(1, 100)('keep-releases', '0')).toThrow(
      'Input "keep-releases" must be an integer from 1 to 100, got "0"',
    );
    expect(integer(1, 100)('keep-releases', ' 5 ')).toBe(5);
  });
});

describe('boolean', () => {
  it.each(['true', 'True', 'TRUE'])('reads %s as true', (raw) => expect(boolean('x', raw)).toBe(true));
  it('refuses yes', () =>
    expect(() => boolean('dry-run', 'yes')).toThrow('Input "dry-run" must be a boolean (true or false), got "yes"'));
});

describe('duration', () => {
  it('reads units', () => {
    expect(duration()('t', '500ms')).toBe(500);
    expect(duration()('t', '1m30s')).toBe(90_000);
  });
});
