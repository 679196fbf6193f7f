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

/** The text of a piece of rendered HTML: tags removed, the character references markdown-it writes decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
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
