import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

const running = new Set<ChildProcess>();
const scratchDirs = new Set<string>();

// A safety net for a test run that dies before its stop(): servers and their files must not outlive the
// process that started them.
process.once('exit', () => {
  for (const child of running) signal(child.pid!, 'SIGKILL');
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** Removes a directory when this process exits, unless `forget` says it is already gone. */
export function removeOnExit(dir: string): { forget(): void } {
  scratchDirs.add(dir);
  return { forget: () => scratchDirs.delete(dir) };
}

/** Starts a long-running program with stdout and stderr appended to a log file (servers log there, not to us). */
export function spawnLogged(program: string, args: string[], logPath: string): ChildProcess {
  const log = openSync(logPath, 'a');
  try {
    const child = spawn(program, args, { stdio: ['ignore', log, log] });
    child.on('error', () => {}); // reported through the exit it causes
    if (child.pid !== undefined) {
      running.add(child);
      child.once('exit', () => running.delete(child));
    }
    return child;
  } finally {
    closeSync(log);
  }
}

async function parentPids(): Promise<Map<number, number[]>> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // The command name (field 2) may contain spaces and parentheses; the fields after the last ")" do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  return children;
}

/**
 * Every process below `pid`. sshd puts each connection in a session of its own, so its children survive the
 * listener's death; they are found now, while they are still its descendants.
 */
export async function descendantsOf(pid: number): Promise<number[]> {
  const children = await parentPids();
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Stops a server and everything it forked, by pid: a polite signal first, SIGKILL for whatever remains. */
export async function stopProcessTree(child: ChildProcess, politeSignal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.pid === undefined || exited(child)) return;
  const descendants = await descendantsOf(child.pid);
  signal(child.pid, politeSignal);
  if (!(await waitForExit(child, 3000))) signal(child.pid, 'SIGKILL');
  await waitForExit(child, 3000);
  for (const pid of descendants) signal(pid, 'SIGKILL');
}
