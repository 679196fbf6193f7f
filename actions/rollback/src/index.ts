import { runAction } from '@sophia/action-runtime';
import { markdownText } from '@sophia/reporting';
import { getInputs } from './input-helper.js';
import { main, post } from './main.js';
import { NOT_RUN_OUTPUTS } from './not-run-outputs.js';

/**
 * What a frontend rollback cancelled before it published knew (a Kubernetes rollback listens to the
 * cancel and publishes its own report): which hosts it was moving, and that the post step puts back
 * every host it had switched and frees the locks.
 */
function whenCancelled(): string {
  const settings = getInputs();
  if (settings.component !== 'frontend') return '';
  return `The frontend rollback of ${markdownText(settings.target)} on ${settings.ssh.hosts.length} host(s) was under way: the post step puts every host it had switched back on the release it served before, and frees the deploy locks; its summary says what it did.`;
}

await runAction(main, { post, title: 'rollback', notRunOutputs: NOT_RUN_OUTPUTS, whenCancelled });
