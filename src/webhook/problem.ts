/**
 * What validation returns: every problem found, each tied to the field it is about, the value
 * found there and a message saying what would be valid (STYLE.md: all problems, collected), and
 * warnings for choices that are allowed but risky. Messages start with the field path, so a user
 * reading `kubectl` output knows where to look without the causes list.
 */

export interface Problem {
  /** Field path as Kubernetes writes it: `spec.be.storage.dataDirs[0].size`. */
  readonly path: string;
  readonly value?: unknown;
  /** What is wrong and what is valid instead. */
  readonly message: string;
}

/** The verdict of one validation: problems deny; warnings are shown to the client but allow. */
export interface Findings {
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

/** Collects problems and warnings from many small checks, so none of them stops the others. */
export class Collector {
  readonly problems: Problem[] = [];
  readonly warnings: string[] = [];

  problem(path: string, value: unknown, message: string): void {
    this.problems.push({ path, value, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push(`${path}: ${message}`);
  }

  findings(): Findings {
    return { problems: this.problems, warnings: this.warnings };
  }
}

/** A path with an index or key appended: `at('spec.fe.pod.env', 0)` is `spec.fe.pod.env[0]`. */
export function at(path: string, key: number | string): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${key}]`;
}

/** One line per problem: `spec.version: ...; spec.fe.image: ...` (what kubectl prints). */
export function summarize(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('; ');
}

/** A short, printable rendering of a value for messages (never a whole object). */
export function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
