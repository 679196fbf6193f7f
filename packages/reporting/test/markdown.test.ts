/**
 * Text that others control (file names of a build, values of manifests, hosts' messages) through
 * the Markdown helpers, rendered by a CommonMark renderer with GitHub's tables and raw HTML on:
 * every value reads back as exactly its visible text, on its line, in its cell, and nothing after
 * it is swallowed by an HTML comment, a tag or a code span it ended.
 */
import { htmlText as textOf, linkableReferences, renderMarkdown } from '@sophia-testing/github-api';
import {
  failedMarkdown,
  htmlBlockText,
  markdownCode,
  markdownCodeBlock,
  markdownDetails,
  markdownTable,
  markdownText,
  shortened,
  visibleText,
} from '@sophia/reporting';

const render = (markdown: string) => renderMarkdown(markdown).html;

const HOSTILE = [
  'x`<!--.js',
  'x\n<!-- hidden.js',
  '<!-- starts.js',
  '``double``.js',
  '` edge `',
  'a\r\nb\rc',
  'line\u2028sep\u2029para',
  'bell\u0007esc\u001bdel\u007fc1\u0085',
  'rtl\u202egnp.js',
  'tag<b>bold</b>&amp;<script>x</script>',
  '**not bold** _not em_ [link](https://example.com) ~~s~~ $x$ | pipe \\ back',
  'a\\|b',
  'a\\\\|b',
  'ok <!-- ',
  'C:\\build\\out\\',
  'a\\b|c\\\\|d',
  '  padded  ',
  '@sophia/deployers ping @octocat, see #123, sophia/other#7 and GH-42',
  '"quoted" \'single\' &lt; <summary>',
  // A reference right after one shown as code starts a new text node, where GitHub reads it whatever precedes it.
  '#1@octocat',
  '@x@octocat',
  'GH-7@octocat',
  'see #12@sophia/deployers',
  '#1GH-2',
  'GH-1GH-2',
  '@a#2@b/c GH-3GH-4@d',
];

/** Values as GitHub would read mentions and issue references in them: every one should be neutralised. */
const REFERENCES = [
  '@octocat',
  'cc @sophia/deployers!',
  '(@a-b)',
  'fixes #1, #22 and sophia/deploy-actions#333',
  'repo#4',
  'GH-5 and gh-6',
  'x`@y`',
  '_@z_',
  '*#9*',
  '<@w>',
];

test('visibleText writes every control, separator and bidirectional character as an escape', () => {
  expect(visibleText('a\nb\rc\td')).toBe('a\\nb\\rc\\td');
  expect(visibleText('\u2028\u2029\u0000\u007f\u0085\u202e\ufeff')).toBe(
    '\\u2028\\u2029\\u0000\\u007f\\u0085\\u202e\\ufeff',
  );
  expect(visibleText('plain/path-1.2_x.js é 字')).toBe('plain/path-1.2_x.js é 字');
  // Invisible or bidirectional though not C0/C1: Arabic letter mark, soft hyphen, Mongolian vowel
  // separator, combining grapheme joiner, Hangul filler, and the tag characters beyond the BMP.
  expect(visibleText('a\u061cb\u00adc\u180ed\u034fe\u3164f\u{e0001}\u{e0041}g')).toBe(
    'a\\u061cb\\u00adc\\u180ed\\u034fe\\u3164f\\u{e0001}\\u{e0041}g',
  );
});

test('shortened cuts a long value with its size and digest, so two that differ past the cut differ', () => {
  const a = 'a'.repeat(300);
  const b = 'a'.repeat(299) + 'b';
  expect(shortened('short')).toBe('short');
  expect(shortened(a)).toMatch(/^a{199}… \(300 bytes, sha256 [0-9a-f]{12}\)$/);
  expect(shortened(a)).not.toBe(shortened(b));
  // A surrogate pair at the cut stays whole.
  expect(shortened('x'.repeat(198) + '😀'.repeat(10))).toMatch(/^x{198}… /);
});

test.each(HOSTILE)('a code span holds %j whole, on one line, and the Markdown after it survives', (name) => {
  const markdown = `- ${markdownCode(name)}\n- next\n\n## After\n`;
  expect(markdown.split('\n').filter((line) => line.trimStart().startsWith('<'))).toEqual([]);
  const html = render(markdown);
  expect(html).not.toContain('<!--');
  expect(html).toContain('<h2>After</h2>');
  const codes = [...html.matchAll(/<code>(.*?)<\/code>/gs)].map((match) => textOf(match[1]));
  expect(codes).toEqual([visibleText(name)]);
});

test.each(HOSTILE)('text reads back as %j shown visibly, with no HTML and no Markdown of its own', (value) => {
  const html = render(`Value: ${markdownText(value)}\n\n## After\n`);
  // The only element a value brings is the code span of a mention or issue reference.
  expect(html).not.toMatch(/<(?!\/?(p|h2|code)>)/);
  expect(html).toContain('<h2>After</h2>');
  // Markdown drops spaces at the end of a paragraph or cell, as it does in any text.
  expect(textOf(html.split('\n')[0])).toBe(`Value: ${visibleText(value)}`.trimEnd());
  expect(linkableReferences(html)).toEqual([]);
});

test('every value stays in its own cell of a table, as text or as a code span', () => {
  const table = markdownTable(
    ['Name', 'Code', 'Value'],
    HOSTILE.map((value) => [value, { markdown: markdownCode(value) }, value.length]),
  );
  const html = render(`${table}\n## After\n`);
  expect(html).not.toContain('<!--');
  expect(html).toContain('<h2>After</h2>');
  const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].slice(1).map((row) => [...row[1].matchAll(/<td>(.*?)<\/td>/gs)]);
  expect(rows).toHaveLength(HOSTILE.length);
  rows.forEach((cells, index) => {
    const value = HOSTILE[index];
    expect(cells).toHaveLength(3);
    expect(textOf(cells[0][1])).toBe(visibleText(value).trim());
    // The code span shows the value exactly: every backslash, `|` and edge space.
    expect(cells[1][1]).toMatch(/^<code>.*<\/code>$/s);
    expect(textOf(cells[1][1])).toBe(visibleText(value));
    expect(textOf(cells[2][1])).toBe(String(value.length));
  });
  expect(linkableReferences(html)).toEqual([]);
});

test('a long value in a cell or text is cut', () => {
  const long = '<!--'.repeat(100);
  expect(render(markdownText(long))).not.toContain('<!--');
  expect(textOf(render(markdownText(long)))).toBe(`${shortened(long)}\n`);
  expect(markdownCode('y'.repeat(1000), 50)).toMatch(/^`y{49}… \(1000 bytes, sha256 [0-9a-f]{12}\)`$/);
});

test('a code block is fenced longer than any backtick run in it, and keeps its lines', () => {
  const diff = ['-a: 1', '+a: ```', '+````', '+<!-- x', '+c\rd\u2028e'].join('\n');
  const block = markdownCodeBlock(diff, 'diff');
  expect(block.startsWith('`````diff\n')).toBe(true);
  const html = render(`${block}\n## After\n`);
  expect(html.match(/<pre>/g)).toHaveLength(1);
  expect(html).toContain('<h2>After</h2>');
  const code = textOf(html.match(/<code[^>]*>(.*?)<\/code>/s)![1]);
  expect(code).toBe(`${['-a: 1', '+a: ```', '+````', '+<!-- x', '+c\\rd\\u2028e'].join('\n')}\n`);
});

test('a failure line shows the message as text, whatever it quotes', () => {
  const html = render(`${failedMarkdown(new Error('refused "x\n<!-- y"'))}\n\n## After\n`);
  expect(html).not.toContain('<!--');
  expect(html).toContain('<h2>After</h2>');
  expect(textOf(html)).toContain('Failed: refused "x\\n<!-- y"');
  expect(failedMarkdown('plain')).toBe('**Failed:** plain');
  // Inside a word `_` cannot open emphasis: names stay readable as plain text.
  expect(failedMarkdown('HTTP_PROXY is not a URL')).toBe('**Failed:** HTTP_PROXY is not a URL');
});

test.each([
  'a\\b',
  'ends in \\',
  'a|b',
  'a\\|b',
  'a\\\\|b',
  '|',
  '\\',
  '`tick` and ``two``',
  ' lead',
  'trail ',
  '   ',
  'line\nbreak\r\n',
  '@team #1',
])('a code span in a table cell shows %j exactly', (value) => {
  const html = render(`${markdownTable(['Value', 'Next'], [[{ markdown: markdownCode(value) }, 'next']])}\n## After\n`);
  expect(html).toContain('<h2>After</h2>');
  const { codeSpans, cells } = renderMarkdown(
    markdownTable(['Value', 'Next'], [[{ markdown: markdownCode(value) }, 'next']]),
  );
  expect(codeSpans).toEqual([visibleText(value)]);
  expect(cells).toEqual([visibleText(value), 'next']);
});

test('an empty value reads as (empty), never as stray backticks', () => {
  expect(textOf(render(markdownCode('')))).toBe('(empty)\n');
  expect(renderMarkdown(markdownTable(['Value'], [[{ markdown: markdownCode('') }]])).cells).toEqual(['(empty)']);
});

test.each(HOSTILE)('the summary line of a fold shows %j as its text, and the fold body stays Markdown', (value) => {
  const details = markdownDetails(`${value}: 2 fields`, markdownTable(['Value'], [[value]]));
  const html = render(`${details}\n## After\n`);
  const summary = html.match(/<summary>(.*?)<\/summary>/s);
  expect(summary).not.toBeNull();
  expect(textOf(summary![1])).toBe(`${visibleText(value)}: 2 fields`);
  // The body is a rendered table, not text of the HTML block, and the fold closes before what follows.
  expect(html).toMatch(/<\/summary>\s*<table>/);
  expect(html).toMatch(/<\/details>\s*<h2>After<\/h2>/);
  expect(html).not.toContain('<!--');
  expect(linkableReferences(html)).toEqual([]);
});

test('raw HTML text holds no Markdown escape: a backslash and an underscore read as they are', () => {
  expect(htmlBlockText('a\\b *c* _d_ `e`')).toBe('a\\b *c* _d_ `e`');
  expect(htmlBlockText('<b>&"\'')).toBe('&lt;b&gt;&amp;&quot;&#39;');
  expect(htmlBlockText('x\ny')).toBe('x\\ny');
});

test.each(REFERENCES)('%j links and notifies no one in any context, and reads as written', (value) => {
  const contexts = {
    text: `Value: ${markdownText(value)}\n`,
    cell: markdownTable(['Value'], [[value]]),
    code: `Value: ${markdownCode(value)}\n`,
    codeCell: markdownTable(['Value'], [[{ markdown: markdownCode(value) }]]),
    block: markdownCodeBlock(value, 'text'),
    summary: markdownDetails(value, 'body'),
    failure: `${failedMarkdown(new Error(value))}\n`,
  };
  for (const [context, markdown] of Object.entries(contexts)) {
    const html = render(markdown);
    expect({ context, references: linkableReferences(html) }).toEqual({ context, references: [] });
    expect({ context, text: textOf(html) }).toEqual({ context, text: expect.stringContaining(value) });
  }
});

test('the reference check itself sees a mention and an issue reference left as text', () => {
  expect(linkableReferences(render('ping @octocat about #12 and GH-3, not me@example.com'))).toEqual([
    '@octocat',
    '#12',
    'GH-3',
  ]);
  expect(linkableReferences(render('`@octocat` <code>#12</code>'))).toEqual([]);
});

test('a run of adjacent references is one code span, as GitHub reads the text after a span from its start', () => {
  expect(markdownText('#1@octocat and x_@octocat, a@b')).toBe('`#1@octocat` and x\\_@octocat, a@b');
  expect(markdownText('see #12@sophia/deployers GH-1GH-2')).toBe('see `#12@sophia/deployers` `GH-1GH-2`');
  expect(htmlBlockText('@x@octocat#3 GH-7@o')).toBe('<code>@x@octocat#3</code> <code>GH-7@o</code>');
});
