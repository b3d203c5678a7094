/** JSON Schema nodes as plain objects, and the error for a schema that cannot be made structural. */

export type JsonSchema = { [key: string]: unknown };

/** A schema that cannot be made structural; `path` is where, in `.properties.x.items` form. */
export class StructuralSchemaError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path || '<root>'}: ${message}`);
    this.name = 'StructuralSchemaError';
    this.path = path;
  }
}

export const isObject = (v: unknown): v is JsonSchema =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function asObject(v: unknown): JsonSchema {
  return isObject(v) ? v : {};
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
