/**
 * health-gate's summary when the alert issue could not be kept (alertFailure): the error's message
 * may quote what others wrote, so it is shown as the text it is, rendered by markdown-it as GitHub
 * renders a job summary: no HTML comment that hides the rest, no tag, no link, on one line.
 */
import { renderMarkdown } from '@sophia-testing/github-api';
import { alertFailure } from '../actions/health-gate/src/alert.js';

it('a hostile error message renders as its own text and hides nothing after it', () => {
  const hostile =
    'label <!-- hidden\n# Heading <img src=x onerror=alert(1)> [click](https://evil.example) `code` *em* | cell';
  const { publication, message } = alertFailure(new Error(hostile));
  expect(message).toContain(hostile);
  const { html } = renderMarkdown(publication.summary!);
  expect(html).not.toContain('<!--');
  expect(html).not.toContain('<img');
  expect(html).not.toContain('<a ');
  expect(html).not.toContain('<h1>');
  expect(html).not.toContain('<em>');
  expect(html).toContain(
    'label &lt;!-- hidden\\n# Heading &lt;img src=x onerror=alert(1)&gt; [click](https://evil.example) `code` *em* | cell',
  );
  // What follows the message is still shown.
  expect(html).toContain('The next run tries again.');
});
