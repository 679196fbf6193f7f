/**
 * What a deploy cancelled after changing the cluster publishes at once, before its put-back (DeploySettings.onCancelled):
 * if the runner ends the step before the put-back finishes, this is what stays, so it must not claim a put-back.
 */
import { deployPublication, type DeployReport } from '@sophia/kubernetes';

const cancelledBeforePutBack: DeployReport = {
  dryRun: false,
  applied: [],
  revisions: { 'sophia/Deployment/sophia-backend': '7' },
  changed: ['sophia/Deployment/sophia-backend'],
  rollouts: [],
  rolledBack: false,
  rollbacks: [],
  restored: [],
  interrupted: { reason: 'The run was cancelled', notPutBack: [], puttingBack: true },
};

test('the publication made at the cancel says the put-back is not confirmed, in outputs and summary', () => {
  const publication = deployPublication('deploy-k3s-backend', cancelledBeforePutBack);
  expect(publication.outputs?.['rolled-back']).toBe(false);
  expect(publication.outputs?.changed).toEqual(['sophia/Deployment/sophia-backend']);
  expect(publication.summary).toContain('the put-back was cut and is not confirmed (`rolled-back` is false)');
  expect(publication.summary).toContain('re-run the rollback workflow');
  expect(publication.summary).not.toMatch(/put back as before|was put back/);
});
