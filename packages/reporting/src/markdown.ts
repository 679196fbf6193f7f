import { createHash } from 'node:crypto';

// The one home of how text that others control (file names from a build, values of manifests,
// messages of hosts and clusters) enters the Markdown of a job summary or a pull request comment.
// A library would have to know GitHub's renderer: the escapers of npm (markdown-escape and the
// like) escape Markdown punctuation but leave line breaks, `<!--` and code-span fences as they
// are, and those are what can hide the rest of a comment (a line starting with `<!--` opens an
// HTML block that runs to the end, CommonMark 0.31 §4.6).

/** Longest text a summary shows of one value, in UTF-16 code units, unless the caller says otherwise. */
export const MARKDOWN_VALUE_LIMIT = 200;

/**
 * What makes text read otherwise than it is, shown by visibleText as escapes. Controls (Unicode Cc), format characters (Cf: bidi controls such as U+061C and U+202E, zero
 * widths, the soft hyphen, U+180E, tag characters), line and paragraph separators, the whole tag
 * block U+E0000–E007F, and the characters that render blank though they are letters or marks
 * (Hangul fillers U+115F, U+1160, U+3164, U+FFA0; the combining grapheme joiner U+034F).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u{E0000}-\u{E007F}\u115f\u1160\u3164\uffa0]|\u034f/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` with every control, line-separating or invisible format character shown as an escape
 * (`\n`, `\r`, `\t`, else `\uXXXX`, as JavaScript writes them), so it stays on one line and reads as
 * it is.
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return NAMED[char] ?? (code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/**
 * `text` whole up to `limit` UTF-16 code units, else its start followed by `…`, its size in UTF-8
 * bytes and the first 12 hex digits of its SHA-256, so two long values that differ only past the
 * cut still read as different and a summary stays small however big the value.
 */
export function shortened(text: string, limit = MARKDOWN_VALUE_LIMIT): string {
  if (text.length <= limit) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 12);
  // Never split a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(limit - 2)) ? limit - 2 : limit - 1;
  return `${text.slice(0, end)}… (${Buffer.byteLength(text)} bytes, sha256 ${digest})`;
}

/**
 * What GitHub turns into a link that notifies or cross-references, when it stands in the text of
 * a comment, an issue or a summary: `@login` and `@org/team` mentions (after a character that is
 * not an ASCII letter, digit or `_`, as GitHub's mention filter reads them: `user@example.com`
 * and `image@sha256:…` are not mentions), `#123` issue references (also the tail of
 * `owner/repo#123` and `repo#123`) and `GH-123`. GitHub's reference filters skip text inside
 * `code`, `pre` and `a` elements (html-pipeline's MentionFilter, IGNORE_PARENTS), so each one is
 * shown as code: it reads exactly as written and links to nobody. A zero-width joiner after `@`
 * would stop the link too, but it stays in what a reader copies, and a backslash escape does not
 * stop it (the filter runs on the rendered text, where the backslash is gone).
 * Commit SHAs and `owner/repo@sha` are left as text: GitHub links them to the commit and
 * notifies nobody, and the digests our summaries print (`sha256 0123abcd…`) would all turn to code.
 */
const REFERENCE = /(?<![A-Za-z0-9_])@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)?|#\d+|\bGH-\d+/gi;

/**
 * A reference (as REFERENCE) standing right where the text resumes after a code span. The span
 * ends the text node, and GitHub's filters read each text node from its start, where a mention or
 * `GH-` needs no separator before it: `#1@octocat` shown as `` `#1`@octocat `` would link
 * @octocat. So right after a reference, whatever precedes it in the raw text, a match here is one too.
 */
const REFERENCE_AT_NODE_START = /@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9_-]*)?|#\d+|GH-\d+/iy;

/**
 * `text` in pieces: each run of adjacent references GitHub would link once the one before is
 * shown as code (see REFERENCE and REFERENCE_AT_NODE_START), with `reference` true, and the text
 * between them.
 */
function referencePieces(text: string): Array<{ text: string; reference: boolean }> {
  const pieces: Array<{ text: string; reference: boolean }> = [];
  const search = new RegExp(REFERENCE);
  const adjacent = new RegExp(REFERENCE_AT_NODE_START);
  let at = 0;
  for (;;) {
    adjacent.lastIndex = at;
    search.lastIndex = at;
    const next = (pieces.at(-1)?.reference ? adjacent.exec(text) : null) ?? search.exec(text);
    if (next === null) break;
    const last = pieces.at(-1);
    if (next.index > at) pieces.push({ text: text.slice(at, next.index), reference: false });
    // A run of adjacent references is one piece: two code spans side by side would read as one
    // fence of two backticks (`#1``@b`), so the run goes into one span.
    if (next.index === at && last?.reference) last.text += next[0];
    else pieces.push({ text: next[0], reference: true });
    at = next.index + next[0].length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at), reference: false });
  return pieces;
}

/**
 * Plain text as Markdown that renders as exactly that text, on one line: control characters as
 * visibleText shows them, cut as `shortened` does at `limit`, HTML's `&`, `<`, `>` as character
 * references (no tag, comment or entity can open), the punctuation that has a meaning inside
 * a line (`\`, code spans, emphasis, links, table cells, GitHub's strikethrough and `$` math)
 * escaped with a backslash (CommonMark 0.31 §2.4), and every mention or issue reference GitHub
 * would link and notify as a code span (see REFERENCE). Punctuation that means something only at the
 * start of a line (`#`, `-`, `1.`) stays: the caller puts the text after its own words or in a
 * cell, and dots and dashes escaped everywhere would make names unreadable as plain text.
 * For Markdown only: inside a raw HTML block (a `<summary>` line) use htmlBlockText, since Markdown
 * escapes are not read there and their backslashes would show.
 */
export function markdownText(text: string, limit = MARKDOWN_VALUE_LIMIT): string {
  return referencePieces(shortened(visibleText(text), limit))
    .map((piece) =>
      // A reference holds only letters, digits, `@`, `#`, `/`, `-` and `_`: nothing a code span must fence.
      piece.reference
        ? `\`${piece.text}\``
        : piece.text
            // `_` inside a word (HTTP_PROXY, snake_case keys) cannot open emphasis (CommonMark 0.31 §6.2): left as it is.
            .replace(/[\\`*[\]|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (char) => `\\${char}`)
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;'),
    )
    .join('');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Plain text for a raw HTML block of the Markdown (the `<summary>` line of a `<details>` fold),
 * rendering as exactly that text on one line: as visibleText shows it, cut as `shortened` does at
 * `limit`, `&`, `<`, `>`, `"`, `'` as character references, and every mention or issue reference
 * GitHub would link (see REFERENCE) in a `<code>` element. No Markdown escape: CommonMark passes
 * an HTML block through as it is (0.31 §4.6), so a backslash escape would show its backslash,
 * while the browser reads character references.
 */
export function htmlBlockText(text: string, limit = MARKDOWN_VALUE_LIMIT): string {
  return referencePieces(shortened(visibleText(text), limit))
    .map((piece) => {
      const escaped = piece.text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
      return piece.reference ? `<code>${escaped}</code>` : escaped;
    })
    .join('');
}

/**
 * A `<details>` fold: `summary` (plain text, shown by htmlBlockText up to `limit`) on the line that
 * opens it, then `body` (Markdown) between blank lines, so GitHub reads the body as Markdown and
 * not as part of the HTML block (CommonMark 0.31 §4.6: an HTML block of `<details>` ends at a
 * blank line), ending in a newline. The only place the suite writes a raw HTML block.
 */
export function markdownDetails(summary: string, body: string, limit = MARKDOWN_VALUE_LIMIT): string {
  return `<details><summary>${htmlBlockText(summary, limit)}</summary>\n\n${body.replace(/\n+$/, '')}\n\n</details>\n`;
}

/** The longest run of backticks in `text` (0 when none). */
function longestBacktickRun(text: string): number {
  return Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
}

/**
 * `text` as one inline code span, on one line (control characters as visibleText shows them, cut
 * as `shortened` does at `limit`): fenced by one backtick more than the longest run inside, and
 * padded with a space when it starts or ends with a backtick or a space, which CommonMark strips
 * again (0.31 §6.1; a span of spaces only is not stripped, so it is not padded), so no backtick
 * in a file name can end the span early. Nothing inside a code span is HTML, Markdown or a
 * mention GitHub links. Empty text, which no code span can hold, is `*(empty)*`. In a table
 * cell, markdownTable escapes its `|`: GitHub's tables split cells before they read code spans.
 */
export function markdownCode(text: string, limit = MARKDOWN_VALUE_LIMIT): string {
  const shown = shortened(visibleText(text), limit);
  if (shown === '') return '*(empty)*';
  const fence = '`'.repeat(longestBacktickRun(shown) + 1);
  const pad = /^[` ]|[` ]$/.test(shown) && /[^ ]/.test(shown) ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/**
 * `text` as a fenced code block of the given info string (`diff`, `text`), whole and on its own
 * lines: the fence is one backtick longer than any run inside, at least three, so no line of
 * `text` can close it (CommonMark 0.31 §4.5). Characters that end a line in Markdown but are not
 * line breaks of the text (a lone CR, U+2028, U+2029) and other control characters are shown as
 * visibleText shows them; the text's own line breaks stay.
 */
export function markdownCodeBlock(text: string, info = ''): string {
  const shown = text
    .split('\n')
    .map((line) => visibleText(line))
    .join('\n');
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(shown) + 1));
  return `${fence}${info}\n${shown}\n${fence}\n`;
}

/** Markdown that the caller has already rendered (markdownCode, markdownText, or its own words), for a table cell. */
export interface MarkdownCell {
  markdown: string;
}

/**
 * One table cell: a string, number or boolean is plain text (markdownText escapes it); a
 * MarkdownCell is taken as Markdown.
 */
export type Cell = string | number | boolean | MarkdownCell;

/**
 * A cell's Markdown with one more backslash before every `|`. A GFM table splits a row into
 * cells before it reads any inline, code spans included: a `|` with a backslash right before it
 * belongs to the cell, whatever comes before that backslash (cmark-gfm's cell scanner takes the
 * longest match of `(escaped_char|[^|\r\n])+`), and exactly that one backslash is then dropped
 * (cmark-gfm `unescape_pipes`; markdown-it's `escapedSplit` does the same). So `\|` always gives
 * back what was written before the table read it: text escaped by markdownText (`\|`) and a code
 * span's `|` and `\|` alike, and a code span in a cell shows its value exactly. A backslash before
 * any other character is left alone: inside a code span it is literal (CommonMark 0.31 §6.1).
 */
function cellMarkdown(cell: Cell): string {
  const markdown = typeof cell === 'object' ? visibleText(cell.markdown) : markdownText(String(cell));
  return markdown.replace(/\|/g, '\\|');
}

/**
 * A GitHub-flavoured Markdown table (header row, `---` separators), ending in a newline; every
 * cell on one line, plain-text cells escaped by markdownText, and every unescaped `|` of a
 * MarkdownCell escaped, so no value can break the table or the Markdown after it. Markdown
 * rather than HTML so a summary also reads well as plain text in a terminal.
 */
export function markdownTable(header: string[], rows: Cell[][]): string {
  const lines = [
    `| ${header.map(cellMarkdown).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cellMarkdown).join(' | ')} |`),
  ];
  return lines.join('\n') + '\n';
}

/** A size in bytes as people read it: `512 B`, `1.5 KiB`, `3.2 MiB` (binary units, one decimal). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The line a summary gives a failure: `**Failed:** ` and the error's message (or the value as a
 * string) as markdownText shows it, cut at 2000 characters: messages quote file names, values and
 * hosts' answers.
 */
export function failedMarkdown(error: unknown): string {
  return `**Failed:** ${markdownText(error instanceof Error ? error.message : String(error), 2000)}`;
}
