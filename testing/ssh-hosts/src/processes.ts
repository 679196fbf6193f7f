import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';

/** Set in every session sshd starts (SetEnv), so commands orphaned by a dropped connection are still found. */
export const HOST_MARKER = 'SOPHIA_SSH_HOST';

const running = new Set<ChildProcess>();
const scratchDirs = new Set<string>();
const mounts = new Set<string>();

// A safety net for a test run that dies before its stop(): servers, their workers and sessions, and their
// files must not outlive the process that started them.
process.once('exit', () => {
  for (const child of running) {
    for (const pid of [child.pid!, ...descendantsOf(child.pid!)]) signal(pid, 'SIGKILL');
  }
  for (const path of mounts) spawnSync('umount', ['-l', path]);
  for (const dir of scratchDirs) {
    for (const pid of processesMarkedWith(dir)) signal(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Removes a directory when this process exits, unless `forget` says it is already gone. */
export function removeOnExit(dir: string): { forget(): void } {
  scratchDirs.add(dir);
  return { forget: () => scratchDirs.delete(dir) };
}

/** Unmounts a file system this process mounted when it exits, unless `forget` says it is already unmounted. */
export function unmountOnExit(path: string): { forget(): void } {
  mounts.add(path);
  return { forget: () => mounts.delete(path) };
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

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return ''; // exited while we looked, or not ours to read
  }
}

function pidsInProc(): string[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
}

/**
 * Every process below `pid`. sshd puts each connection in a session of its own, so its children survive the
 * listener's death; they are found now, while they are still its descendants. Synchronous so the exit safety
 * net can use it.
 */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of pidsInProc()) {
    const stat = readProc(entry, 'stat');
    if (!stat) continue;
    // The command name (field 2) may contain spaces and parentheses; the fields after the last ")" do not.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

/** Processes started by a host's sshd sessions (they inherit `SOPHIA_SSH_HOST=<its dir>`). */
export function processesMarkedWith(dir: string): number[] {
  const wanted = `${HOST_MARKER}=${dir}`;
  return pidsInProc()
    .filter((entry) => Number(entry) !== process.pid && readProc(entry, 'environ').split('\0').includes(wanted))
    .map(Number);
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

/**
 * Stops a server and everything it forked, by pid: a polite signal first, SIGKILL for whatever remains
 * (including `alsoKill`, processes that left the tree).
 */
export async function stopProcessTree(
  child: ChildProcess,
  politeSignal: NodeJS.Signals = 'SIGTERM',
  alsoKill: () => number[] = () => [],
): Promise<void> {
  if (child.pid === undefined || exited(child)) {
    for (const pid of alsoKill()) signal(pid, 'SIGKILL');
    return;
  }
  const descendants = descendantsOf(child.pid);
  signal(child.pid, politeSignal);
  if (!(await waitForExit(child, 3000))) signal(child.pid, 'SIGKILL');
  await waitForExit(child, 3000);
  for (const pid of [...descendants, ...alsoKill()]) signal(pid, 'SIGKILL');
}
