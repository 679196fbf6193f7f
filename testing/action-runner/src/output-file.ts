/**
 * Parses a GITHUB_OUTPUT (or GITHUB_ENV) file as the runner does: `name=value` lines, and the
 * heredoc form `name<<DELIMITER` ... `DELIMITER` that @actions/core writes for every value. A
 * name written twice keeps its later value, as the runner's `SetOutputFileCommand` assigns each
 * entry in file order to the step's outputs dictionary (actions/runner,
 * src/Runner.Worker/FileCommandManager.cs and StepsContext.cs `SetOutput`): a step may publish
 * provisional outputs and overwrite them.
 */
export function parseCommandFile(text: string): Record<string, string> {
  return Object.fromEntries(commandFileEntries(text).map(({ name, value }) => [name, value]));
}

/**
 * Every entry of a GITHUB_OUTPUT (or GITHUB_ENV) file in the order written, a name written twice
 * listed twice: what a test reads to see a provisional value published and then overwritten.
 */
export function commandFileEntries(text: string): Array<{ name: string; value: string }> {
  const entries: Array<{ name: string; value: string }> = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index].replace(/\r$/, '');
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    const equals = line.indexOf('=');
    if (heredoc && (equals < 0 || line.indexOf('<<') < equals)) {
      const [, name, delimiter] = heredoc;
      const body: string[] = [];
      index++;
      while (index < lines.length && lines[index].replace(/\r$/, '') !== delimiter) body.push(lines[index++]);
      if (index >= lines.length) throw new Error(`Output "${name}" is missing its closing delimiter "${delimiter}"`);
      entries.push({ name, value: body.join('\n') });
    } else if (equals > 0) {
      entries.push({ name: line.slice(0, equals), value: line.slice(equals + 1) });
    } else {
      throw new Error(`Invalid line in a command file: ${JSON.stringify(line)}`);
    }
  }
  return entries;
}
