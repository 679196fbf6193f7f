/**
 * In-process tests run code that logs with `core.debug`, which writes `::debug::` workflow
 * commands to stdout. The runner hides those unless step debugging is on; hide them here too,
 * so a test log shows what a job log would.
 */
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (typeof chunk === 'string' && chunk.startsWith('::debug::')) {
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    callback?.();
    return true;
  }
  return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;
