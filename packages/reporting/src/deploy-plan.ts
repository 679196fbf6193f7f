/**
 * The version of the deploy plan documents (the `plan` output of every deploy action, with
 * `dry-run: true`): a consumer (a pull-request comment, a script) checks it before reading the
 * rest. A change that removes or renames a field gives a new version. See docs/deploy-plans.md.
 */
export const PLAN_SCHEMA = 'sophia.deploy-plan/v1';
