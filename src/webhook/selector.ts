/**
 * Label selectors written as kubectl writes them (`team=a,tier in (db,cache),!legacy`), turned
 * into the LabelSelector objects a webhook configuration's namespaceSelector and objectSelector
 * take. This is how one install limits its webhook to its own tenants' namespaces, so several
 * operators (or several versions of one) can run in one cluster without admitting each other's
 * objects.
 */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }[];
}

/** Splits on commas outside parentheses. */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((t) => t.trim()).filter(Boolean);
}

const key = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

/** Parses a selector; the empty string selects everything (`{}`). Throws on syntax errors. */
export function parseSelector(text: string): LabelSelector {
  const labels: Record<string, string> = {};
  const expressions: NonNullable<LabelSelector['matchExpressions']> = [];
  for (const term of terms(text)) {
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    const notEqual = /^(\S+?)\s*!=\s*(\S*)$/.exec(term);
    const equal = /^(\S+?)\s*==?\s*(\S*)$/.exec(term);
    const absent = /^!\s*(\S+)$/.exec(term);
    if (set !== null) {
      const values = set[3]!
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      expressions.push({ key: set[1]!, operator: set[2] === 'in' ? 'In' : 'NotIn', values });
    } else if (notEqual !== null) {
      expressions.push({ key: notEqual[1]!, operator: 'NotIn', values: [notEqual[2]!] });
    } else if (equal !== null) {
      labels[equal[1]!] = equal[2]!;
    } else if (absent !== null) {
      expressions.push({ key: absent[1]!, operator: 'DoesNotExist' });
    } else if (key.test(term)) {
      expressions.push({ key: term, operator: 'Exists' });
    } else {
      throw new Error(`invalid label selector term "${term}" in "${text}"`);
    }
  }
  return {
    ...(Object.keys(labels).length > 0 ? { matchLabels: labels } : {}),
    ...(expressions.length > 0 ? { matchExpressions: expressions } : {}),
  };
}
