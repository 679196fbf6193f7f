import { runnerInputs } from '../src/index.js';

describe("the step's inputs", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the variables the runner names INPUT_ + the name upper-cased, spaces as _ and hyphens kept', () => {
    process.env['INPUT_SSH-KEY'] = 'from env';
    process.env['INPUT_WITH_SPACE'] = 'spaced';
    expect(runnerInputs('ssh-key')).toBe('from env');
    expect(runnerInputs('with space')).toBe('spaced');
    expect(runnerInputs('missing-name')).toBe('');
  });

  it('leaves whitespace to the parsers, so a private key keeps its final newline', () => {
    process.env['INPUT_SSH-KEY'] = '  -----KEY-----\n';
    expect(runnerInputs('ssh-key')).toBe('  -----KEY-----\n');
  });
});
