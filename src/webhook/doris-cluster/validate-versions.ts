/**
 * Version rules that need more than one field or the stored object: the image a component runs
 * must be that component's (an FE started from the BE image never joins), a component's version
 * must not go back (FE metadata written by a newer release cannot be read by an older one) nor
 * skip a minor line (each release converts the metadata of the line before it only), the version
 * must be one the operator supports, and the components must stay within one minor line of each
 * other. Versions come from the image tag when a component sets an image, else from spec.version.
 *
 * The upgrade path is checked from what the members actually run as well as from the stored spec:
 * in the middle of an upgrade the FE still runs the old line, and a new target must be reachable
 * from there. A downgrade is allowed only as the rollback of an upgrade that no FE has reached yet
 * (status shows every FE on the older version), the one case where no newer metadata exists.
 */
import { imageTagPrefix } from '../../api/v1alpha1/components.ts';
import type { Component } from '../../api/v1alpha1/owned-config.ts';
import type { Collector } from '../problem.ts';
import { label, presentComponents, type Spec } from './spec.ts';
import {
  allowedTargets,
  compareVersions,
  type DorisVersion,
  lineDistance,
  minimumVersion,
  parseImage,
  parseVersion,
  upgradeStep,
} from './versions.ts';

interface Resolved {
  readonly version?: DorisVersion;
  /** The field the version comes from (spec.version when the image follows it). */
  readonly path: string;
}

function resolve(spec: Spec, c: Component): Resolved | undefined {
  const s = spec[c];
  if (s === undefined) return undefined;
  const derived =
    spec.version === undefined ? undefined : `${spec.imageRepository}:${imageTagPrefix[c]}-${spec.version}`;
  if (s.image === undefined || s.image === derived) {
    return { version: parseVersion(spec.version), path: 'spec.version' };
  }
  return { version: parseImage(s.image).version, path: `spec.${c}.image` };
}

/** Versions in a component status (`currentVersion`, each member's `version`), e.g. "doris-2.1.7". */
function reportedVersions(status: unknown, c: Component): DorisVersion[] {
  const s = (status as Record<string, unknown> | undefined)?.[c] as
    | { currentVersion?: unknown; members?: unknown }
    | undefined;
  const texts = [s?.currentVersion, ...(Array.isArray(s?.members) ? s.members : []).map((m) => m?.version)];
  return texts.flatMap((t) => {
    const m = typeof t === 'string' ? /(\d+\.\d+\.\d+)/.exec(t) : null;
    const v = m ? parseVersion(m[1]) : undefined;
    return v ? [v] : [];
  });
}

const lowest = (vs: DorisVersion[]) => vs.reduce((a, b) => (compareVersions(a, b) <= 0 ? a : b));
const highest = (vs: DorisVersion[]) => vs.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));

function checkImages(spec: Spec, out: Collector): void {
  for (const [c, s] of presentComponents(spec)) {
    if (s.image === undefined) continue;
    const info = parseImage(s.image);
    const want = imageTagPrefix[c];
    if (info.component !== undefined && info.component !== want) {
      out.problem(
        `spec.${c}.image`,
        s.image,
        `"${s.image}" is a ${label(info.component as Component)} image; ${label(c)} members run the ` +
          `${want} image, such as ${spec.imageRepository}:${want}-${info.version?.text ?? '<version>'}`,
      );
    }
    if (info.version === undefined) {
      out.warn(
        `spec.${c}.image`,
        `no Doris version in "${s.image}": upgrades from it cannot be checked; tag images with the version`,
      );
    }
  }
}

export function checkVersions(spec: Spec, old: Spec | undefined, oldStatus: unknown, out: Collector): void {
  checkImages(spec, out);
  const resolved = presentComponents(spec).map(([c]) => [c, resolve(spec, c)!] as const);
  const feReported = reportedVersions(oldStatus, 'fe');
  for (const [c, now] of resolved) {
    if (now.version === undefined) continue;
    const before = old === undefined ? undefined : resolve(old, c)?.version;
    const what = now.path === 'spec.version' ? 'the cluster' : `${label(c)} members`;
    if (
      compareVersions(now.version, minimumVersion) < 0 &&
      (before === undefined || compareVersions(before, now.version) !== 0)
    ) {
      out.problem(
        now.path,
        now.version.text,
        `Doris ${now.version.text} is not supported: the operator runs ${minimumVersion.text} or later (2.1, 3.x)`,
      );
      continue;
    }
    if (before === undefined) continue;
    const step = upgradeStep(before, now.version);
    if (step.kind === 'downgrade') {
      const rollback = feReported.length > 0 && compareVersions(highest(feReported), now.version) <= 0;
      if (rollback) {
        out.warn(now.path, `rolling ${what} back to ${now.version.text}: no FE runs a newer version yet`);
      } else {
        out.problem(
          now.path,
          now.version.text,
          `${now.version.text} is older than ${before.text}: Doris cannot downgrade, since FE metadata ` +
            `written by a newer release cannot be read by an older one; valid: ${allowedTargets(before)}`,
        );
      }
      continue;
    }
    // Check from the oldest version the members run too, as they may not have reached the stored spec.
    const running = reportedVersions(oldStatus, c);
    const from = running.length > 0 ? lowest([before, ...running]) : before;
    const path = upgradeStep(from, now.version);
    if (path.kind === 'skip') {
      const runs = compareVersions(from, before) < 0 ? ` (${label(c)} members still run ${from.text})` : '';
      out.problem(
        now.path,
        now.version.text,
        `upgrading from ${from.text}${runs} to ${now.version.text} skips ${path.skipped.join(', ')}: Doris ` +
          `upgrades one minor line at a time; valid: ${allowedTargets(from)}; upgrade to ${path.next}.x first`,
      );
    }
  }
  checkSpread(resolved, out);
}

/** Components more than one minor line apart cannot talk to each other; apart at all is only odd. */
function checkSpread(resolved: readonly (readonly [Component, Resolved])[], out: Collector): void {
  const fe = resolved.find(([c]) => c === 'fe')?.[1].version;
  if (fe === undefined) return;
  for (const [c, r] of resolved) {
    if (c === 'fe' || r.version === undefined || compareVersions(r.version, fe) === 0) continue;
    if (lineDistance(r.version, fe) > 1) {
      out.problem(
        r.path,
        r.version.text,
        `${label(c)} ${r.version.text} is more than one minor line away from FE ${fe.text}: members of ` +
          `different lines cannot work together; use the FE's line (${fe.major}.${fe.minor}.x) or the next`,
      );
    } else {
      out.warn(
        r.path,
        `${label(c)} runs ${r.version.text} but FE runs ${fe.text}: keep every component on one version`,
      );
    }
  }
}
