/** Runs `work` while collecting what it writes to stdout, where @actions/core issues workflow commands. */
export function captureStdout(work: () => void): string {
  const original = process.stdout.write;
  let written = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    work();
  } finally {
    process.stdout.write = original;
  }
  return written;
}

/** The values registered with `::add-mask::`, unescaped as the runner reads them. */
export function maskedValues(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'));
}
