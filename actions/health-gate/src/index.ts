import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

// The bundle is also the entry of the thread that matches expected-body regexes, so that code ships in
// the files the runner loads. Each role imports only its own code (ncc bundles each dynamic import as a
// chunk of its own), so the thread starts without loading the action.
if (isMainThread) {
  const { runMainThread } = await import('./main-thread.js');
  await runMainThread(fileURLToPath(import.meta.url));
} else {
  const { serveBodyRegexMatches } = await import('@sophia/health-check');
  serveBodyRegexMatches();
}
