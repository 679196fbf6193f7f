import { InputError } from '@sophia/inputs';
import { inputRefusedSummary } from '../src/index.js';

describe('inputRefusedSummary', () => {
  it('quotes a hostile input as text: no HTML, code span, table or heading comes out of it', () => {
    const hostile = 'x` | </details><script>alert(1)</script>\n# Deployed!\n| a | b |';
    const summary = inputRefusedSummary('health-gate', new InputError('urls', `Input "urls" names "${hostile}" twice`));
    expect(summary).toBe(
      '### health-gate\n\nNothing was run: input "urls" was refused, and nothing was changed.\n\n' +
        '**Failed:** Input "urls" names "x\\` \\| &lt;/details&gt;&lt;script&gt;alert(1)&lt;/script&gt;\\\\n# Deployed!\\\\n\\| a \\| b \\|" twice\n',
    );
    // Only the summary's own lines start a block: one heading, one paragraph each.
    expect(summary.split('\n').filter((line) => line.startsWith('#'))).toEqual(['### health-gate']);
  });
  it('cuts a long message', () => {
    const summary = inputRefusedSummary(
      'rollback',
      new InputError('component', `Input "component" got ${'z'.repeat(5000)}`),
    );
    expect(summary).toMatch(/z… \(5022 bytes, sha256 [0-9a-f]{12}\)\n$/);
    expect(summary.length).toBeLessThan(2200);
  });
});
