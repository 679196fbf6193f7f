#!/usr/bin/env node
/**
 * Builds data/k3s-crds.json.gz: the CustomResourceDefinitions a fresh k3s server installs through
 * its bundled charts, descriptions dropped. Sources (pass clones of them):
 *   - traefik/traefik-helm-chart at v27.0.2 (Traefik v2.11, the traefik-crd chart of k3s 1.27-1.31):
 *     traefik/crds/traefik.io_*.yaml and traefik.containo.us_*.yaml
 *   - k3s-io/helm-controller: pkg/crds/yaml/generated/helm.cattle.io_*.yaml
 *
 *   node testing/k3s-simulator/scripts/extract-k3s-crds.mjs <traefik-helm-chart> <helm-controller> [helm-controller-ref]
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripDescriptions } from './strip-descriptions.mjs';
import { parseAllDocuments } from 'yaml';

const [traefikChart, helmController, helmRef = 'HEAD'] = process.argv.slice(2);
if (!traefikChart || !helmController) {
  console.error('usage: extract-k3s-crds.mjs <traefik-helm-chart clone> <helm-controller clone> [ref]');
  process.exit(2);
}
const TRAEFIK_REF = 'v27.0.2';
const git = (repo, ...args) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });

function crdsFrom(repo, ref, folder, pattern) {
  return git(repo, 'ls-tree', '-r', '--name-only', ref, folder)
    .split('\n')
    .filter((path) => pattern.test(path))
    .flatMap((path) => parseAllDocuments(git(repo, 'show', `${ref}:${path}`)).map((document) => document.toJS()))
    .filter((object) => object?.kind === 'CustomResourceDefinition')
    .map((crd) => {
      const { annotations: _annotations, ...metadata } = crd.metadata;
      return stripDescriptions({ apiVersion: crd.apiVersion, kind: crd.kind, metadata, spec: crd.spec });
    });
}

const traefikCommit = git(traefikChart, 'rev-list', '-n1', TRAEFIK_REF).trim();
const helmCommit = git(helmController, 'rev-parse', helmRef).trim();
const crds = [
  ...crdsFrom(traefikChart, TRAEFIK_REF, 'traefik/crds/', /traefik\.(io|containo\.us)_[a-z]+\.yaml$/),
  ...crdsFrom(helmController, helmRef, 'pkg/crds/yaml/generated/', /helm\.cattle\.io_[a-z]+\.yaml$/),
];
const output = {
  sources: [
    `traefik/traefik-helm-chart@${traefikCommit} (${TRAEFIK_REF}) traefik/crds`,
    `k3s-io/helm-controller@${helmCommit} pkg/crds/yaml/generated`,
  ],
  crds,
};
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'k3s-crds.json.gz');
const body = gzipSync(JSON.stringify(output), { level: 9 });
writeFileSync(target, body);
console.log(`${target}: ${body.length} bytes, ${crds.length} CRDs: ${crds.map((crd) => crd.metadata.name).join(' ')}`);
