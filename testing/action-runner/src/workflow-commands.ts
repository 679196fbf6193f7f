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
