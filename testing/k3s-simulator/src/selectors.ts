/** Label and field selectors as the API server parses them from query strings. */
import { badRequest } from './status.js';
import type { Json, StoredObject } from './types.js';

type Requirement = { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | '!' };

export type Predicate = (object: StoredObject) => boolean;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  if (current.trim() !== '') parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function parseLabelRequirement(term: string): Requirement {
  const setMatch = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (setMatch) {
    return { key: setMatch[1], op: setMatch[2] as 'in' | 'notin', values: setMatch[3].split(',').map((v) => v.trim()) };
  }
  const inequality = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(term);
  if (inequality) return { key: inequality[1], op: 'notin', values: [inequality[2]] };
  const equality = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(term);
  if (equality) return { key: equality[1], op: 'in', values: [equality[2]] };
  const absent = /^!\s*([^\s!=]+)$/.exec(term);
  if (absent) return { key: absent[1], op: '!' };
  if (/^[^\s!=(),]+$/.test(term)) return { key: term, op: 'exists' };
  throw badRequest(`unable to parse requirement: found '${term}', expected: identifier`);
}

function matchesRequirement(labels: Record<string, string>, requirement: Requirement): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  switch (requirement.op) {
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'in':
      return has && requirement.values.includes(labels[requirement.key]);
    case 'notin':
      return !has || !requirement.values.includes(labels[requirement.key]);
  }
}

export function labelSelectorPredicate(selector: string | null | undefined): Predicate {
  if (!selector) return () => true;
  const requirements = splitTopLevel(selector).map(parseLabelRequirement);
  return (object) => requirements.every((req) => matchesRequirement(object.metadata?.labels ?? {}, req));
}

/** A structured LabelSelector (matchLabels + matchExpressions) as workloads carry it. */
export function matchesLabelSelector(selector: Json, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const actual = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (actual[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(actual, expression.key);
    const values: string[] = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (!has || !values.includes(actual[expression.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(actual[expression.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `app=web,tier in (a,b)` form of a structured selector, as kubectl and controllers query with. */
export function labelSelectorString(selector: Json): string {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector?.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(',');
    if (expression.operator === 'In') terms.push(`${expression.key} in (${values})`);
    if (expression.operator === 'NotIn') terms.push(`${expression.key} notin (${values})`);
    if (expression.operator === 'Exists') terms.push(expression.key);
    if (expression.operator === 'DoesNotExist') terms.push(`!${expression.key}`);
  }
  return terms.join(',');
}

function fieldValue(object: StoredObject, path: string): string {
  let value: Json = object;
  for (const segment of path.split('.')) value = value?.[segment];
  if (value === undefined || value === null) return '';
  return String(value);
}

export function fieldSelectorPredicate(selector: string | null | undefined): Predicate {
  if (!selector) return () => true;
  const terms = splitTopLevel(selector).map((term) => {
    const match = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    return { path: match[1], negate: match[2] === '!=', value: match[3] };
  });
  return (object) => terms.every((term) => (fieldValue(object, term.path) === term.value) !== term.negate);
}
