/** The demo runs deploy.yml by GitHub's expression rules; these are the rules its conditions lean on. */
import { condition, evaluate, ExpressionError, interpolate, type ExpressionContext } from '../src/expressions.js';

const needs = {
  plan: { result: 'success', outputs: { frontend: 'true', backend: 'false' } },
  frontend: { result: 'success', outputs: { 'previous-release-id': '' } },
  backend: { result: 'failure', outputs: {} },
  mcp: { result: 'skipped', outputs: {} },
};

function context(succeeded: boolean): ExpressionContext {
  return {
    contexts: { needs, inputs: { environment: 'staging', components: 'frontend,backend' }, github: { sha: 'abc' } },
    status: { success: () => succeeded, failure: () => !succeeded, cancelled: () => false, always: () => true },
  };
}

describe('expressions as GitHub evaluates them', () => {
  it('|| and && return operands, not booleans; empty strings are falsy', () => {
    expect(evaluate("needs.frontend.outputs.previous-release-id || 'previous'", context(true))).toBe('previous');
    expect(evaluate("inputs.environment && 'yes'", context(true))).toBe('yes');
    expect(evaluate('inputs.missing || github.sha', context(true))).toBe('abc');
  });

  it('compares strings without case and reads properties without case', () => {
    expect(evaluate("needs.plan.outputs.frontend == 'TRUE'", context(true))).toBe(true);
    expect(evaluate("Inputs.Environment != 'staging'", context(true))).toBe(false);
  });

  it('filters objects with * and searches arrays with contains()', () => {
    expect(evaluate("contains(needs.*.result, 'failure')", context(true))).toBe(true);
    expect(evaluate("!contains(needs.*.result, 'cancelled')", context(true))).toBe(true);
    expect(evaluate("contains('frontend,backend', 'backend')", context(true))).toBe(true);
  });

  it('format, join and fromJSON', () => {
    expect(evaluate("format('api={0}:{1}', 'img', github.sha)", context(true))).toBe('api=img:abc');
    expect(evaluate('join(fromJSON(\'["a","b"]\'), \',\')', context(true))).toBe('a,b');
  });

  it('a condition without a status function also needs success(); with always() it does not', () => {
    expect(condition("needs.plan.outputs.frontend == 'true'", context(true))).toBe(true);
    expect(condition("needs.plan.outputs.frontend == 'true'", context(false))).toBe(false);
    expect(
      condition(
        "always() && needs.frontend.result == 'success' && (needs.health-gate.result == 'failure' || needs.backend.result == 'failure')",
        context(false),
      ),
    ).toBe(true);
    expect(condition(undefined, context(false))).toBe(false);
    expect(condition('${{ always() }}', context(false))).toBe(true);
  });

  it('interpolates ${{ }} inside text and keeps a lone expression typed', () => {
    expect(interpolate('deploy-${{ inputs.environment }}', context(true))).toBe('deploy-staging');
    expect(interpolate('${{ needs.plan.outputs }}', context(true))).toEqual({ frontend: 'true', backend: 'false' });
  });

  it('names what it cannot evaluate', () => {
    expect(() => evaluate('secrets.TOKEN', context(true))).toThrow(
      new ExpressionError('unknown context "secrets" in "secrets.TOKEN"'),
    );
    expect(() => evaluate("hashFiles('x')", context(true))).toThrow('unknown function hashFiles()');
    expect(() => evaluate("'open", context(true))).toThrow('Unterminated string');
  });
});
