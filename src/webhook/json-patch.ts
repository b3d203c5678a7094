/**
 * RFC 6902 JSON Patch, as the AdmissionReview response carries mutations: a diff from the object
 * the API server sent to the defaulted one, and (for tests) applying a patch. Defaulters work on a
 * copy of the object and never write patches by hand, so a patch can never disagree with the
 * object it was made for, and an object that is already defaulted yields an empty patch.
 */

export type PatchOp =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 6901: `~` becomes `~0` and `/` becomes `~1` in a pointer token. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}

/**
 * The operations that turn `from` into `to`. Objects are compared key by key; arrays and scalars
 * that differ are replaced whole (admission mutations rarely touch list items, and a whole-list
 * replace cannot be misapplied when the list changed order).
 */
export function diff(from: unknown, to: unknown, path = ''): PatchOp[] {
  if (equal(from, to)) return [];
  if (!isObject(from) || !isObject(to)) return [{ op: 'replace', path, value: to }];
  const ops: PatchOp[] = [];
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) ops.push({ op: 'remove', path: `${path}/${pointerToken(key)}` });
  }
  for (const [key, value] of Object.entries(to)) {
    const child = `${path}/${pointerToken(key)}`;
    if (!Object.hasOwn(from, key)) ops.push({ op: 'add', path: child, value });
    else ops.push(...diff(from[key], value, child));
  }
  return ops;
}

/** Applies `ops` to a copy of `doc` (add, replace and remove, as `diff` makes them). */
export function applyPatch<T>(doc: T, ops: readonly PatchOp[]): T {
  const root = { value: structuredClone(doc) as unknown };
  for (const op of ops) {
    const tokens = op.path === '' ? [] : op.path.slice(1).split('/').map(unescapeToken);
    if (tokens.length === 0) {
      if (op.op === 'remove') throw new Error('cannot remove the document root');
      root.value = structuredClone(op.value);
      continue;
    }
    let parent: unknown = root.value;
    for (const t of tokens.slice(0, -1)) {
      parent = Array.isArray(parent) ? parent[Number(t)] : (parent as Json | undefined)?.[t];
      if (typeof parent !== 'object' || parent === null) throw new Error(`no parent for ${op.path}`);
    }
    const last = tokens[tokens.length - 1]!;
    const container = parent as Json;
    if (op.op === 'remove') {
      if (!Object.hasOwn(container, last)) throw new Error(`nothing to remove at ${op.path}`);
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
    } else if (Array.isArray(container)) {
      const i = last === '-' ? container.length : Number(last);
      if (op.op === 'add') container.splice(i, 0, structuredClone(op.value));
      else container[i] = structuredClone(op.value);
    } else {
      if (op.op === 'replace' && !Object.hasOwn(container, last)) {
        throw new Error(`nothing to replace at ${op.path}`);
      }
      // An own property even for the key __proto__ (plain assignment would set the prototype).
      Object.defineProperty(container, last, {
        value: structuredClone(op.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root.value as T;
}

function unescapeToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}
