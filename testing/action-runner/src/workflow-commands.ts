export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  properties: Record<string, string>;
}

/** Reverses the escaping @actions/core applies to command data and properties. */
function unescapeData(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/g, ':').replace(/%2C/g, ',');
}

function parseCommand(line: string): { command: string; properties: Record<string, string>; data: string } | undefined {
  const match = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
  if (!match) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at > 0) properties[pair.slice(0, at)] = unescapeProperty(pair.slice(at + 1));
  }
  return { command: match[1], properties, data: unescapeData(match[3]) };
}

export interface ProcessedLog {
  /** What the job log shows: `::add-mask::` lines consumed, every masked value replaced by `***`. */
  log: string;
  masks: string[];
  annotations: Annotation[];
}

/** Reads stdout as the runner does: it consumes masks first, then censors every later line. */
export function processWorkflowCommands(stdout: string, stderr = ''): ProcessedLog {
  const masks: string[] = [];
  const annotations: Annotation[] = [];
  const censor = (line: string): string =>
    [...masks].sort((a, b) => b.length - a.length).reduce((text, mask) => text.split(mask).join('***'), line);
  const shown: string[] = [];
  for (const line of stdout.split('\n')) {
    const command = parseCommand(line.replace(/\r$/, ''));
    if (command?.command === 'add-mask') {
      if (command.data.trim()) masks.push(command.data);
      continue;
    }
    if (command && (command.command === 'error' || command.command === 'warning' || command.command === 'notice')) {
      annotations.push({ level: command.command, message: command.data, properties: command.properties });
    }
    shown.push(censor(line));
  }
  const log = [shown.join('\n'), stderr ? stderr.split('\n').map(censor).join('\n') : ''].filter(Boolean).join('\n');
  return { log, masks, annotations };
}

/**
 * The lines of each `::group::<title>` ... `::endgroup::` of a job log (ActionRun.log), by title,
 * in the order the groups opened: how the runner folds the log. A title used twice keeps its last group.
 */
export function logGroups(log: string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  let open: string[] | undefined;
  for (const line of log.split('\n')) {
    if (line.startsWith('::group::')) groups[line.slice('::group::'.length)] = open = [];
    else if (line.startsWith('::endgroup::')) open = undefined;
    else open?.push(line);
  }
  return groups;
}

/**
 * What is wrong with how a step's stdout folds and annotates in the job log: a `::group::`,
 * `::warning` or `::error` line written more than once (the same log group, warning or error
 * repeated, as a step that published twice would write them), a group opened while another is open
 * (GitHub's log does not nest groups), an `::endgroup::` with no group open, a group never closed.
 * Empty when each such line appears once and the groups are balanced and never nested.
 */
export function logStructureProblems(stdout: string): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  let open: string | undefined;
  for (const line of stdout.split('\n').map((each) => each.replace(/\r$/, ''))) {
    if (/^::(group|warning|error)[ :]/.test(line)) seen.set(line, (seen.get(line) ?? 0) + 1);
    if (line.startsWith('::group::')) {
      if (open !== undefined) problems.push(`${line} opens inside the open ${open}`);
      open = line;
    } else if (line.startsWith('::endgroup::')) {
      if (open === undefined) problems.push(`::endgroup:: with no group open`);
      open = undefined;
    }
  }
  if (open !== undefined) problems.push(`${open} is never closed`);
  for (const [line, count] of seen) if (count > 1) problems.push(`${line} is written ${count} times`);
  return problems;
}
