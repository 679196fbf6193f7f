import type { UrlReport } from '@sophia/health-check';

/**
 * What in `url`'s report contradicts "every answer this URL gave failed with `counter`" (a wrong status,
 * or a wrong body), for a gate that a server failing every probe held until its timeout, whatever number
 * of rounds the machine's speed allowed: each probe counts once; the only other probe allowed is the
 * last round's when the gate's own deadline cut its request (a round started with milliseconds left, as
 * on a loaded runner), which counts among the errors but not among the failure kinds. Empty when nothing
 * contradicts it; else one sentence per contradiction, for a test's failure message.
 */
export function unexpectedProbes(url: UrlReport, counter: 'wrongStatus' | 'wrongBody'): string[] {
  const found: string[] = [];
  if (url.passes > 0) found.push(`${url.passes} probe(s) passed`);
  if (url[counter] === 0) found.push(`no probe counted as ${counter}`);
  if (url[counter] + url.errors !== url.probes) {
    found.push(`${counter} ${url[counter]} + errors ${url.errors} is not the ${url.probes} probe(s)`);
  }
  if (url.errors > 1) found.push(`${url.errors} errors: only the last round can be cut by the deadline`);
  if (url.errors === 1 && !/ \(what was left of timeout\)( and was abandoned)?$/.test(url.lastError ?? '')) {
    found.push(`the error was not the deadline cutting a probe: ${url.lastError}`);
  }
  // An all-inconclusive wrong body (each match cut by the deadline) leaves no failure kind at all.
  const kind = counter === 'wrongBody' ? /^body$/ : /^status \dxx$/;
  const others = Object.keys(url.failureKinds).filter((each) => !kind.test(each));
  if (others.length > 0) found.push(`conclusive failures of another kind: ${others.join(', ')}`);
  return found;
}
