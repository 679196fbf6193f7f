/**
 * A Kubernetes plan whose manifests carry values that would hide what follows them in a comment (a
 * ConfigMap value `ok <!-- `, a line break then `<!--`, a `|`, a backtick): each value stays in its
 * cell as the text it is, and the image change after it, which a reviewer must see, survives.
 */
import { htmlText, linkableReferences, renderMarkdown } from '@sophia-testing/github-api';
import { PLAN_SCHEMA } from '@sophia/reporting';
import { kubernetesPlanMarkdown, nodeChangeText, type KubernetesPlan } from '@sophia/kubernetes';

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

/**
 * Values of the cluster and the manifests that Markdown or HTML would read otherwise: a backslash
 * (which a Markdown escape in the raw HTML of a `<summary>` line would double), emphasis, a tag,
 * a comment, and mentions and issue references GitHub would link and notify.
 */
const NAMES = ['a\\b_c_', '*not bold* <b>x</b> <!-- y', '@sophia/deployers', 'see #12 and GH-3', 'v|1\\|2\\'];

test('object names in fold summaries, values in cells and node changes read as written, and notify no one', () => {
  const [name, markup, team, issue, pipes] = NAMES;
  const plan = {
    schema: PLAN_SCHEMA,
    target: 'kubernetes',
    counts: { created: 0, configured: NAMES.length, unchanged: 0 },
    objects: NAMES.map((value) => ({
      object: `sophia/ConfigMap/${value}`,
      kind: 'ConfigMap',
      namespace: 'sophia',
      name: value,
      action: 'configured',
      changes: [{ path: `data.${value}`, op: 'replace', before: value, after: `${value}!` }],
    })),
    images: [{ workload: `sophia/Deployment/${team}`, container: issue, from: pipes, to: `${markup}:2` }],
    placement: {
      node: `mcp ${team}`,
      addresses: ['192.222.58.232'],
      nodeSelector: `sophia.ai/pool=${name}`,
      label: 'added',
      workloads: [`sophia/Deployment/${issue}`],
      nodeChanges: [
        { node: `mcp ${team}`, op: 'label', label: { key: 'sophia.ai/pool', value: name } },
        { node: 'old', op: 'unlabel', label: { key: 'sophia.ai/pool', value: markup }, why: issue },
        { node: `mcp ${team}`, op: 'taint', taint: { key: 'dedicated', value: pipes, effect: 'NoSchedule' } },
        { node: 'old', op: 'record', record: JSON.stringify({ label: `k=${markup}` }) },
      ],
    },
  } as unknown as KubernetesPlan;
  const markdown = kubernetesPlanMarkdown(plan);
  const { html, cells, codeSpans } = renderMarkdown(`${markdown}\n## After\n`);
  expect(html).not.toContain('<!--');
  expect(html).toMatch(/<\/details>\s*<h2>After<\/h2>/);
  expect(linkableReferences(html)).toEqual([]);
  const summaries = [...html.matchAll(/<summary>(.*?)<\/summary>/gs)].map((match) => htmlText(match[1]));
  expect(summaries).toEqual(NAMES.map((value) => `sophia/ConfigMap/${value}: 1 field`));
  for (const value of NAMES) {
    expect(codeSpans).toContain(`data.${value}`);
    expect(cells).toContain(value);
    expect(cells).toContain(`${value}!`);
  }
  expect(cells).toEqual(expect.arrayContaining([`sophia/Deployment/${team}`, issue, pipes, `${markup}:2`]));
  const items = [...html.matchAll(/<li>(.*?)<\/li>/gs)].map((match) => htmlText(match[1]));
  expect(items).toEqual(plan.placement!.nodeChanges.map((change) => nodeChangeText(change, 'planned')));
  expect(items[1]).toBe(`Remove label sophia.ai/pool=${markup} from node old: ${issue}`);
});
