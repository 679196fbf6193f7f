import { formatDuration } from '../src/index.js';

test('formatDuration writes a duration with the largest whole unit, as the duration inputs take it', () => {
  expect([0, 250, 1000, 90_000, 120_000, 7_200_000].map(formatDuration)).toEqual([
    '0ms',
    '250ms',
    '1s',
    '90s',
    '2m',
    '2h',
  ]);
});
