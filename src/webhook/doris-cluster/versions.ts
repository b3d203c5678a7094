/**
 * Doris versions and the upgrade path. Versions come from `spec.version` or from an image tag
 * (`apache/doris:fe-2.1.7`, `selectdb/doris.be-ubuntu:3.0.3`). The rules are Doris's own
 * (reference §6 and the Doris upgrade guide): patch releases of one minor line may be skipped
 * (2.1.3 -> 2.1.7); minor lines may not (3.0 -> 3.3 goes 3.0 -> 3.1 -> 3.2 -> 3.3), because each
 * FE release converts the metadata of the line before it only; and there is no way back once an
 * FE has written metadata in a newer format.
 */

export interface DorisVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** As written (`2.1.8`, `2.1.8-rc01`). */
  readonly text: string;
}

/** Doris release lines, oldest first. The next line after 2.1 is 3.0, after 3.1 it is 4.0. */
export const releaseLines = ['1.1', '1.2', '2.0', '2.1', '3.0', '3.1', '4.0'] as const;

/**
 * The oldest release the operator runs: the SHOW FRONTENDS/BACKENDS columns it parses and the
 * Kubernetes entrypoints it relies on are those of 2.1 and later.
 */
export const minimumVersion: DorisVersion = { major: 2, minor: 1, patch: 0, text: '2.1.0' };

const semver = /^(\d+)\.(\d+)\.(\d+)(?:[-.][0-9A-Za-z]+)*$/;

export function parseVersion(text: string | undefined): DorisVersion | undefined {
  if (text === undefined) return undefined;
  const m = semver.exec(text.trim());
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), text: text.trim() };
}

export type ImageComponent = 'fe' | 'be' | 'broker';

/** What an image reference says: the Doris component it runs and its version, when readable. */
export interface ImageInfo {
  readonly component?: ImageComponent;
  readonly version?: DorisVersion;
  readonly tag?: string;
}

export function parseImage(image: string): ImageInfo {
  const noDigest = image.split('@')[0] ?? '';
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  // A colon before the last slash is a registry port (registry:5000/apache/doris), not a tag.
  const tag = colon > slash ? noDigest.slice(colon + 1) : undefined;
  const repo = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const name = repo.slice(slash + 1);
  const prefix = tag === undefined ? undefined : /^(fe|be|broker)-/.exec(tag)?.[1];
  const inName = /(?:^|[.\-_])(fe|be|broker)(?:[.\-_]|$)/.exec(name)?.[1];
  const found = tag === undefined ? undefined : /(\d+)\.(\d+)\.(\d+)/.exec(tag);
  return {
    component: (prefix ?? inName) as ImageComponent | undefined,
    version: found ? parseVersion(found[0]) : undefined,
    tag,
  };
}

export function compareVersions(a: DorisVersion, b: DorisVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export const lineOf = (v: DorisVersion): string => `${v.major}.${v.minor}`;

function compareLines(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am - bm || an - bn;
}

/** The release line an upgrade from `line` must go to next. */
export function nextLine(line: string): string {
  const known = releaseLines.find((l) => compareLines(l, line) > 0);
  if (known !== undefined) return known;
  const [major = 0, minor = 0] = line.split('.').map(Number);
  return `${major}.${minor + 1}`;
}

export type UpgradeStep =
  | { readonly kind: 'same' }
  | { readonly kind: 'patch' }
  | { readonly kind: 'next-line' }
  | { readonly kind: 'downgrade' }
  | { readonly kind: 'skip'; readonly skipped: readonly string[]; readonly next: string };

/** What moving from `from` to `to` is, by the Doris rules. */
export function upgradeStep(from: DorisVersion, to: DorisVersion): UpgradeStep {
  const order = compareVersions(to, from);
  if (order === 0) return { kind: 'same' };
  if (order < 0) return { kind: 'downgrade' };
  const a = lineOf(from);
  const b = lineOf(to);
  if (a === b) return { kind: 'patch' };
  const next = nextLine(a);
  if (b === next) return { kind: 'next-line' };
  // A line we do not know yet (a release newer than this list) is next if it is adjacent.
  const unknownAdjacent =
    !releaseLines.some((l) => l === b) &&
    !releaseLines.some((l) => compareLines(l, a) > 0 && compareLines(l, b) < 0) &&
    ((to.major === from.major && to.minor === from.minor + 1) ||
      (to.major === from.major + 1 && to.minor === 0));
  if (unknownAdjacent) return { kind: 'next-line' };
  const skipped = releaseLines.filter((l) => compareLines(l, a) > 0 && compareLines(l, b) < 0);
  return { kind: 'skip', skipped: skipped.length > 0 ? skipped : [next], next };
}

/** The versions an upgrade from `from` may target, in words: `2.1.8 or a later 2.1.x, or any 3.0.x`. */
export function allowedTargets(from: DorisVersion): string {
  return `${from.text} or a later ${lineOf(from)}.x, or any ${nextLine(lineOf(from))}.x`;
}

/** How many release lines lie between two versions (0 on the same line, 1 for adjacent lines). */
export function lineDistance(a: DorisVersion, b: DorisVersion): number {
  const [lo, hi] = compareVersions(a, b) <= 0 ? [a, b] : [b, a];
  let line = lineOf(lo);
  let steps = 0;
  while (compareLines(line, lineOf(hi)) < 0 && steps < 100) {
    line = nextLine(line);
    steps++;
  }
  return steps;
}
