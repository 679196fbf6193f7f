#!/usr/bin/env node
/**
 * Builds data/builtin-api.json.gz, the simulator's table of built-in resources and their schemas
 * for Kubernetes 1.27 to 1.33, from the OpenAPI v3 documents the Kubernetes project publishes
 * (kubernetes/kubernetes api/openapi-spec/v3 of each release branch). kubernetes-sigs/kubectl-validate
 * keeps those documents per minor under pkg/openapiclient/builtins/<minor>/; pass a clone of it:
 *
 *   node testing/k3s-simulator/scripts/extract-builtin-api.mjs /path/to/kubectl-validate [git-ref]
 *
 * Kept: the group-versions a default API server serves (generally available ones; betas introduced
 * since 1.24 are off by default, KEP-3136, so the only betas kept are flowcontrol's, which predate it),
 * each resource's paths (kind, scope, subresources, verbs) and the component schemas without their
 * descriptions. Schemas equal across minors are stored once.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripDescriptions } from './strip-descriptions.mjs';

const [source, ref = 'HEAD'] = process.argv.slice(2);
if (!source) {
  console.error('usage: extract-builtin-api.mjs <kubectl-validate clone> [git-ref]');
  process.exit(2);
}
const MINORS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'];
const git = (...args) => execFileSync('git', ['-C', source, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
const commit = git('rev-parse', ref).trim();

function served(groupVersion) {
  const version = groupVersion.split('/').pop();
  if (!/(alpha|beta)/.test(version)) return true;
  return groupVersion.startsWith('apis/flowcontrol.apiserver.k8s.io/') && /beta/.test(version);
}

const ACTION_VERBS = {
  get: 'get',
  list: 'list',
  watchlist: 'watch',
  post: 'create',
  put: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'deletecollection',
};

/** Resources of one group-version document, from its paths. */
function resourcesOf(document) {
  const byPlural = new Map();
  const watched = new Set();
  for (const [path, item] of Object.entries(document.paths)) {
    const watch = /\/watch\/(?:namespaces\/\{namespace\}\/)?([^/{]+)$/.exec(path);
    if (watch) watched.add(watch[1]);
    if (path.includes('/watch/')) continue;
    const match =
      /^\/apis?\/(?:([^/]+)\/)?([^/]+)\/(namespaces\/\{namespace\}\/)?([^/{]+)(\/\{name\})?(?:\/([^/{]+))?$/.exec(path);
    if (!match) continue;
    const [, group = '', version, namespacedPrefix, plural, named, subresource] = match;
    if (group === '' && path.startsWith('/apis/')) continue;
    const core = path.startsWith('/api/');
    const realGroup = core ? '' : group;
    const realVersion = core ? group || version : version;
    for (const operation of Object.values(item)) {
      if (!operation || typeof operation !== 'object' || !operation['x-kubernetes-action']) continue;
      const gvk = operation['x-kubernetes-group-version-kind'];
      const key = plural;
      let entry = byPlural.get(key);
      if (!entry) {
        entry = {
          group: realGroup,
          version: realVersion,
          plural,
          kind: undefined,
          namespaced: false,
          verbs: new Set(),
          subresources: {},
        };
        byPlural.set(key, entry);
      }
      if (namespacedPrefix) entry.namespaced = true;
      const verb = ACTION_VERBS[operation['x-kubernetes-action']] ?? operation['x-kubernetes-action'];
      if (subresource) {
        const sub = (entry.subresources[subresource] ??= { verbs: new Set() });
        sub.verbs.add(verb === 'create' ? 'create' : verb);
        if (gvk) sub.kind = gvk;
      } else if (named || !['get', 'update', 'patch', 'delete'].includes(verb)) {
        entry.verbs.add(verb);
        if (gvk && !entry.kind && (named || verb === 'create')) entry.kind = gvk.kind;
      } else entry.verbs.add(verb);
    }
  }
  return [...byPlural.values()]
    .filter((entry) => entry.kind)
    .map((entry) => ({
      group: entry.group,
      version: entry.version,
      plural: entry.plural,
      kind: entry.kind,
      namespaced: entry.namespaced,
      verbs: [...entry.verbs, ...(watched.has(entry.plural) ? ['watch'] : [])].sort(),
      subresources: Object.fromEntries(
        Object.entries(entry.subresources).map(([name, sub]) => [
          name,
          { verbs: [...sub.verbs].sort(), ...(sub.kind ? { kind: sub.kind } : {}) },
        ]),
      ),
    }));
}

const schemaVariants = {}; // name -> [json strings]
const versions = {};
for (const minor of MINORS) {
  const root = `pkg/openapiclient/builtins/${minor}/`;
  const files = git('ls-tree', '-r', '--name-only', ref, root).split('\n').filter(Boolean);
  const groupVersions = {};
  const schemaIndex = {};
  for (const file of files) {
    const groupVersion = file.slice(root.length).replace(/\.json$/, '');
    if (!served(groupVersion)) continue;
    const document = JSON.parse(git('show', `${ref}:${file}`));
    const resources = resourcesOf(document);
    groupVersions[groupVersion] = { resources, schemas: Object.keys(document.components?.schemas ?? {}).sort() };
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      const text = JSON.stringify(stripDescriptions(schema));
      const variants = (schemaVariants[name] ??= []);
      let index = variants.indexOf(text);
      if (index < 0) index = variants.push(text) - 1;
      if (schemaIndex[name] !== undefined && schemaIndex[name] !== index)
        throw new Error(`${minor} ${name} differs between documents`);
      schemaIndex[name] = index;
    }
  }
  versions[minor] = { groupVersions, schemaIndex };
}
const output = {
  source: `kubernetes-sigs/kubectl-validate@${commit} pkg/openapiclient/builtins (kubernetes/kubernetes api/openapi-spec/v3)`,
  schemas: Object.fromEntries(
    Object.entries(schemaVariants).map(([name, variants]) => [name, variants.map((text) => JSON.parse(text))]),
  ),
  versions,
};
const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'builtin-api.json.gz');
const body = gzipSync(JSON.stringify(output), { level: 9 });
writeFileSync(target, body);
console.log(`${target}: ${body.length} bytes, ${Object.keys(schemaVariants).length} schemas`);
