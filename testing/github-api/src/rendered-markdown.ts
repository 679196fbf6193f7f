import MarkdownIt from 'markdown-it';

/** Markdown as a reader of GitHub sees it, rendered by a CommonMark renderer with tables and raw HTML on. */
export interface RenderedMarkdown {
  /** The HTML, as markdown-it writes it. */
  html: string;
  /** The text of every inline code span, in order, character references decoded. */
  codeSpans: string[];
  /** The text of every table cell, in order, tags removed and character references decoded. */
  cells: string[];
}

/**
 * The text of a piece of rendered HTML, as a browser shows it: tags removed, the character
 * references markdown-it writes (and decimal ones, which raw HTML may carry) decoded.
 */
export function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}

/**
 * `markdown` rendered as GitHub renders a job summary or a comment (CommonMark with GitHub's
 * tables and strikethrough, raw HTML passed through so an HTML comment a value opened shows up in
 * `html`), with its code spans and table cells as text.
 */
export function renderMarkdown(markdown: string): RenderedMarkdown {
  const html = new MarkdownIt({ html: true }).render(markdown);
  return {
    html,
    codeSpans: [...html.matchAll(/<code>(.*?)<\/code>/gs)].map((match) => htmlText(match[1])),
    cells: [...html.matchAll(/<td>(.*?)<\/td>/gs)].map((match) => htmlText(match[1])),
  };
}

/**
 * What GitHub would link as a mention or an issue reference in rendered HTML (GitHub's
 * `@login`, `@org/team`, `#123`, `repo#123`, `GH-123`), read as GitHub's reference filters read
 * it: text node by text node, skipping the text inside `code`, `pre` and `a` elements
 * (html-pipeline's MentionFilter and its IGNORE_PARENTS), and broader than GitHub on purpose (any
 * `@` followed by a letter or digit after a non-word character, any `#` followed by a digit), so
 * an empty list means none can notify anyone.
 */
export function linkableReferences(html: string): string[] {
  const outside = html.replace(/<(code|pre|a)\b[^>]*>.*?<\/\1>/gs, '<skipped>');
  return outside
    .split(/<[^>]*>/)
    .map(htmlText)
    .flatMap((node) =>
      [...node.matchAll(/(?<![A-Za-z0-9_])@[A-Za-z0-9][\w/-]*|#\d+|\bGH-\d+/gi)].map((match) => match[0]),
    );
}
