/**
 * Carries out a Dockerfile's steps in a folder instead of an image, for the image test: no
 * container engine runs here, so each stage becomes a directory, WORKDIR/COPY/RUN/ENV/USER act on
 * it, and the final stage's ENTRYPOINT, CMD and USER say how to start the result. The base image
 * stands for the Node.js running the tests (the test checks it is the same version). Only the
 * instructions the project's Dockerfile uses are supported; anything else fails loudly.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, normalize, relative } from 'node:path';

export interface Stage {
  readonly name?: string;
  /** The base image, with build arguments substituted. */
  readonly image: string;
  /** The directory standing for the stage's filesystem root. */
  readonly root: string;
  cwd: string;
  readonly env: Record<string, string>;
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
}

/** Instructions with continuation lines joined, comments and blank lines dropped. */
export function instructions(text: string): { op: string; args: string }[] {
  const out: { op: string; args: string }[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = pending + line;
    pending = '';
    const m = /^(\w+)\s+(.*)$/.exec(full);
    if (m === null) throw new Error(`cannot parse Dockerfile line: ${full}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
  }
  return out;
}

/** A Docker (Go filepath.Match plus `**`) pattern as a regular expression; `*` matches dotfiles too. */
function patternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `.dockerignore` as Docker reads it: the last matching pattern wins, `!` re-includes, parents count. */
export function ignoreFilter(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({
      include: l.startsWith('!'),
      pattern: patternRegExp(normalize(l.replace(/^!/, '')).replace(/\/$/, '')),
    }));
  return (path: string) => {
    const prefixes = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const r of rules) if (prefixes.some((p) => r.pattern.test(p))) ignored = !r.include;
    return ignored;
  };
}

function files(dir: string, base: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), join(base, e.name)) : [join(base, e.name)],
  );
}

const json = (args: string) => JSON.parse(args) as string[];

/** Runs the Dockerfile in `context` into `into`; returns the final stage. */
export function buildLikeDocker(context: string, into: string, env: NodeJS.ProcessEnv = process.env): Stage {
  const ignored = existsSync(join(context, '.dockerignore'))
    ? ignoreFilter(readFileSync(join(context, '.dockerignore'), 'utf8'))
    : () => false;
  const args: Record<string, string> = {};
  const subst = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => args[a ?? b] ?? '');
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const { op, args: raw } of instructions(readFileSync(join(context, 'Dockerfile'), 'utf8'))) {
    const a = subst(raw);
    if (op === 'ARG') {
      const [k, v = ''] = a.split('=');
      args[k!] ??= v;
      continue;
    }
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(a);
      if (m === null) throw new Error(`FROM ${a}`);
      const root = join(into, `stage-${stages.length}`);
      mkdirSync(root, { recursive: true });
      stage = { name: m[2], image: m[1]!, root, cwd: root, env: {} };
      stages.push(stage);
      continue;
    }
    if (stage === undefined) throw new Error(`${op} before FROM`);
    const s: Stage = stage;
    const inStage = (p: string) => (p.startsWith('/') ? join(s.root, p) : join(s.cwd, p));
    switch (op) {
      case 'WORKDIR':
        s.cwd = inStage(a);
        mkdirSync(s.cwd, { recursive: true });
        break;
      case 'ENV':
        for (const m of a.matchAll(/(\w+)=(\S+)/g)) s.env[m[1]!] = m[2]!;
        break;
      case 'USER':
        s.user = a;
        break;
      case 'ENTRYPOINT':
        s.entrypoint = json(a);
        break;
      case 'CMD':
        s.cmd = json(a);
        break;
      case 'RUN':
        execFileSync('sh', ['-c', a], {
          cwd: s.cwd,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...env, ...s.env, PATH: `${dirname(process.execPath)}:${env.PATH ?? ''}` },
        });
        break;
      case 'COPY': {
        const words = a.split(/\s+/);
        const from = words[0]?.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
        const destRaw = words.pop()!;
        const dest = inStage(destRaw);
        const source = from === undefined ? undefined : stages.find((x) => x.name === from);
        if (from !== undefined && source === undefined) throw new Error(`COPY --from=${from}: no such stage`);
        for (const src of words) {
          if (source !== undefined) {
            cpSync(join(source.root, src), dest, { recursive: true });
            continue;
          }
          const path = join(context, src);
          const isDir = statSync(path).isDirectory();
          const list = isDir ? files(path, src) : [src];
          for (const f of list.filter((f) => !ignored(f))) {
            const target = isDir
              ? join(dest, relative(src, f))
              : destRaw.endsWith('/') || words.length > 1
                ? join(dest, basename(f))
                : dest;
            mkdirSync(dirname(target), { recursive: true });
            cpSync(join(context, f), target);
          }
        }
        break;
      }
      default:
        throw new Error(`Dockerfile instruction ${op} is not supported by this test`);
    }
  }
  if (stage === undefined) throw new Error('no FROM in the Dockerfile');
  return stage;
}
