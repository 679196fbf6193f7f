import { parseCommandFile, processWorkflowCommands } from '../src/index.js';

describe('parseCommandFile', () => {
  it('reads name=value and heredoc entries, keeping values verbatim', () => {
    expect(parseCommandFile('a=1\nb<<EOF_1\nx=y\n\nz\nEOF_1\nc=has=equals\n')).toEqual({
      a: '1',
      b: 'x=y\n\nz',
      c: 'has=equals',
    });
  });
  it('refuses an unterminated heredoc', () => {
    expect(() => parseCommandFile('b<<END\nvalue\n')).toThrow('Output "b" is missing its closing delimiter "END"');
  });
  it('refuses a line that is neither form', () => {
    expect(() => parseCommandFile('garbage\n')).toThrow('Invalid line in a command file: "garbage"');
  });
  it('reads an empty file as no values', () => expect(parseCommandFile('')).toEqual({}));
  it('keeps the later value of a name written twice, in either form, as the runner does', () => {
    const provisional = 'outcome<<ghadelimiter_1\ncancelled\nghadelimiter_1\nrevision=7\n';
    const final = 'outcome<<ghadelimiter_2\nrolled-back\nghadelimiter_2\nrevision<<ghadelimiter_3\n6\nghadelimiter_3\n';
    expect(parseCommandFile(provisional + 'only-first=kept\n' + final)).toEqual({
      outcome: 'rolled-back',
      revision: '6',
      'only-first': 'kept',
    });
  });
});

describe('processWorkflowCommands', () => {
  it('masks values on later lines and in stderr, longest first', () => {
    const result = processWorkflowCommands('::add-mask::abcd\n::add-mask::abcdef\nsee abcdef and abcd\n', 'err abcd\n');
    expect(result.log).toBe('see *** and ***\n\nerr ***\n');
    expect(result.masks).toEqual(['abcd', 'abcdef']);
  });
  it('unescapes annotations', () => {
    expect(processWorkflowCommands('::error::Input "x" is required%0Aon two lines\n').annotations).toEqual([
      { level: 'error', message: 'Input "x" is required\non two lines', properties: {} },
    ]);
  });
});
