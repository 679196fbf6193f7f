import { markdownTable, markdownText } from '../src/index.js';

describe('markdownText', () => {
  it('shows HTML, code, emphasis, links and table pipes as written', () => {
    expect(markdownText('<img src=x onerror=alert(1)> & `rm -rf` *a* _b_ ~c~ [d](e) | f \\')).toBe(
      '&lt;img src=x onerror=alert(1)&gt; &amp; \\`rm -rf\\` \\*a\\* \\_b\\_ \\~c\\~ \\[d\\](e) \\| f \\\\',
    );
  });
  it('keeps the text one paragraph: every line break becomes <br>', () => {
    expect(markdownText('a\n# heading\r\n- item\r| x |\n|---|')).toBe(
      'a<br># heading<br>- item<br>\\| x \\|<br>\\|---\\|',
    );
  });
  it('leaves plain text as it is', () => {
    const message = 'Input "rollout-timeout" must be a duration (90s, 5m), got "soon"';
    expect(markdownText(message)).toBe(message);
  });
  it('cuts long text, saying how long it was, and escapes only what it keeps', () => {
    expect(markdownText('<'.repeat(10) + 'x'.repeat(5000), 12)).toBe(`${'&lt;'.repeat(10)}xx… (5010 characters)`);
    expect(markdownText('y'.repeat(2000))).toBe('y'.repeat(2000));
    expect(markdownText('y'.repeat(2001))).toBe(`${'y'.repeat(2000)}… (2001 characters)`);
  });
});

describe('markdownTable', () => {
  it('escapes pipes and line breaks in cells', () => {
    expect(markdownTable(['a'], [['x|y\nz']])).toBe('| a |\n| --- |\n| x\\|y<br>z |\n');
  });
});
