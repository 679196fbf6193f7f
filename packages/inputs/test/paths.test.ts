import { remotePath, workspacePath } from '../src/index.js';

describe('remote paths', () => {
  it.each([
    ['/var/www/sophia', '/var/www/sophia'],
    ['/var/www/sophia/', '/var/www/sophia'],
    ['//var//www', '/var/www'],
    [' /srv/app ', '/srv/app'],
    ['/srv/my app', '/srv/my app'],
    ['/srv/.hidden/..x', '/srv/.hidden/..x'],
  ])('reads %j as %j', (raw, path) => expect(remotePath('target', raw)).toBe(path));

  it.each(['var/www', './www', '~/www', ''])('refuses the relative path %j', (raw) => {
    expect(() => remotePath('target', raw)).toThrow(
      `Input "target" must be an absolute path (starting with /), got ${JSON.stringify(raw)}`,
    );
  });
  it.each(['/var/www/../etc', '/var/./www', '/..'])('refuses %j with . or .. segments', (raw) => {
    expect(() => remotePath('target', raw)).toThrow(
      `Input "target" must be an absolute path without "." or ".." segments, got ${JSON.stringify(raw)}`,
    );
  });
  it.each(['/', '//', ' / '])('refuses %j (the root itself)', (raw) => {
    expect(() => remotePath('target', raw)).toThrow(
      `Input "target" must be a directory below / (not / itself), got ${JSON.stringify(raw)}`,
    );
  });
  it.each(['/var/www\n/etc', '/var/www\r', '/var/\u0000www'])('refuses NUL and line breaks in %j', (raw) => {
    expect(() => remotePath('target', raw)).toThrow('Input "target" must not contain NUL or line breaks');
  });
});

describe('workspace paths', () => {
  it.each(['dist', 'build/site', 'kubernetes/production/mcp-*.yaml', ' nginx/site.conf '])('reads %j', (raw) =>
    expect(workspacePath('source', raw)).toBe(raw.trim()),
  );
  it('refuses an empty path', () => {
    expect(() => workspacePath('source', ' ')).toThrow('Input "source" must be a path in the workspace, got " "');
  });
  it('refuses NUL and line breaks', () => {
    expect(() => workspacePath('source', 'dist\nother')).toThrow('Input "source" must not contain NUL or line breaks');
  });
});
