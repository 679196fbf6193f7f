/**
 * A Kubernetes plan whose manifests carry values that would hide what follows them in a comment (a
 * ConfigMap value `ok <!-- `, a line break then `<!--`, a `|`, a backtick): each value stays in its
 * cell as the text it is, and the image change after it, which a reviewer must see, survives.
 */
import { renderMarkdown } from '@sophia-testing/github-api';
import { PLAN_SCHEMA } from '@sophia/reporting';
import { kubernetesPlanMarkdown, type KubernetesPlan } from '@sophia/kubernetes';

test('hostile values stay in their cells and the image change after them is shown', () => {
  const plan = {
    schema: PLAN_SCHEMA,
    target: 'kubernetes',
    counts: { created: 0, configured: 2, unchanged: 0 },
    objects: [
      {
        object: 'sophia/ConfigMap/api-config',
        kind: 'ConfigMap',
        namespace: 'sophia',
        name: 'api-config',
        action: 'configured',
        changes: [
          { path: 'data.NOTE', op: 'replace', before: 'x', after: 'ok <!-- ' },
          { path: 'data.MULTI', op: 'add', after: 'a\n<!-- b | c `d`' },
          { path: 'data.LONG', op: 'add', after: '<!--'.repeat(200) },
        ],
      },
      {
        object: 'sophia/Deployment/api',
        kind: 'Deployment',
        namespace: 'sophia',
        name: 'api',
        action: 'configured',
        changes: [
          {
            path: 'spec.template.spec.containers[name=api].image',
            op: 'replace',
            before: 'ghcr.io/sophia/api:1',
            after: 'evil.example/api:latest',
          },
        ],
      },
    ],
    images: [
      {
        workload: 'sophia/Deployment/api',
        container: 'api',
        from: 'ghcr.io/sophia/api:1',
        to: 'evil.example/api:latest',
      },
    ],
  } as unknown as KubernetesPlan;
  const markdown = kubernetesPlanMarkdown(plan);
  expect(markdown).not.toMatch(/(^|[^`])<!--/m);
  const { html, cells } = renderMarkdown(markdown);
  expect(html).not.toContain('<!--');
  expect(cells).toContain('ok <!--');
  expect(cells).toContain('a\\n<!-- b | c `d`');
  expect(cells.find((cell) => cell.startsWith('<!--<!--'))).toMatch(/… \(800 bytes, sha256 [0-9a-f]{12}\)$/);
  expect(cells).toContain('evil.example/api:latest');
  expect(html).toContain('sophia/Deployment/api: 1 field');
});
