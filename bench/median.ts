/** The middle sample (the upper one of an even count): each benchmark reports medians of its rounds. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
