/**
 * Where the API server is and how to authenticate: a kubeconfig file (explicit, `$KUBECONFIG`,
 * `~/.kube/config`) or the pod's service account. Certificates, bearer tokens, token files and basic
 * auth are read here. A kubeconfig user with an `exec` or `auth-provider` plugin (cloud logins) is
 * handed to `@kubernetes/client-node`, imported only then: the library costs ~80 MiB of memory and
 * ~0.4 s at start, and the operator in its pod never needs it.
 */
import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Connection {
  readonly server: string;
  /** TLS settings and static headers of every request. */
  readonly options: RequestOptions;
  /** The Authorization header now: token files are read again, since the kubelet rotates them. */
  readonly authorization?: () => string | undefined;
}

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A kubeconfig file at `path`, else $KUBECONFIG, the pod's service account, or ~/.kube/config. */
export async function loadConnection(path?: string, env = process.env): Promise<Connection> {
  if (path !== undefined && path !== '') return fromKubeconfigFile(path);
  const fromEnv = env.KUBECONFIG?.split(':').find((p) => p !== '');
  if (fromEnv !== undefined) return fromKubeconfigFile(fromEnv);
  if (env.KUBERNETES_SERVICE_HOST !== undefined) return inCluster(env);
  return fromKubeconfigFile(join(homedir(), '.kube', 'config'));
}

/** The pod's service account: the API server's in-cluster address, its CA, and the rotated token. */
export function inCluster(env = process.env, dir = serviceAccountDir): Connection {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    options: { ca: readFileSync(join(dir, 'ca.crt')), headers: {} },
    authorization: tokenFile(join(dir, 'token')),
  };
}

interface Named<T> {
  readonly name: string;
  readonly [key: string]: unknown;
  readonly value?: T;
}

export function fromKubeconfigFile(path: string): Promise<Connection> {
  return fromKubeconfigText(readFileSync(path, 'utf8'), path);
}

/** A kubeconfig's text; `path` names it in errors and anchors its relative file names. */
export async function fromKubeconfigText(text: string, path = 'kubeconfig'): Promise<Connection> {
  // YAML is read only here: a pod using its service account never loads the parser.
  const { parse } = await import('yaml');
  const config = (parse(text) ?? {}) as Record<string, unknown>;
  const pick = <T>(list: string, name: string | undefined, field: string): T | undefined =>
    ((config[list] as Named<T>[] | undefined) ?? []).find((x) => x.name === name)?.[field] as T | undefined;
  const contextName = config['current-context'] as string | undefined;
  const context = pick<{ cluster?: string; user?: string }>('contexts', contextName, 'context');
  if (context === undefined) throw new Error(`${path}: no context named "${contextName ?? ''}"`);
  const cluster = pick<Record<string, unknown>>('clusters', context.cluster, 'cluster');
  if (cluster === undefined || typeof cluster.server !== 'string')
    throw new Error(`${path}: no cluster named "${context.cluster ?? ''}" with a server`);
  const user = pick<Record<string, unknown>>('users', context.user, 'user') ?? {};
  if (user.exec !== undefined || user['auth-provider'] !== undefined) return viaClientNode(text);

  const base = dirOf(path);
  const file = (key: string) => {
    const inline = cluster[`${key}-data`] ?? user[`${key}-data`];
    if (typeof inline === 'string') return Buffer.from(inline, 'base64');
    const at = cluster[key] ?? user[key];
    return typeof at === 'string' ? readFileSync(at.startsWith('/') ? at : join(base, at)) : undefined;
  };
  const ca = file('certificate-authority');
  const cert = file('client-certificate');
  const key = file('client-key');
  const headers: Record<string, string> = {};
  let authorization: (() => string | undefined) | undefined;
  if (typeof user.token === 'string') headers.authorization = `Bearer ${user.token}`;
  else if (typeof user.tokenFile === 'string') authorization = tokenFile(user.tokenFile);
  else if (typeof user.username === 'string')
    headers.authorization = `Basic ${Buffer.from(`${user.username}:${String(user.password ?? '')}`).toString('base64')}`;
  return {
    server: cluster.server.replace(/\/$/, ''),
    options: {
      headers,
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      ...(cluster['insecure-skip-tls-verify'] === true ? { rejectUnauthorized: false } : {}),
      ...(typeof cluster['tls-server-name'] === 'string' ? { servername: cluster['tls-server-name'] } : {}),
    },
    ...(authorization ? { authorization } : {}),
  };
}

/** A bearer token read from `path`, read again at most once a minute (the kubelet rotates it). */
function tokenFile(path: string): () => string {
  let value = '';
  let readAt = 0;
  return () => {
    if (Date.now() - readAt > 60_000) {
      value = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return `Bearer ${value}`;
  };
}

const dirOf = (path: string) => path.slice(0, Math.max(0, path.lastIndexOf('/'))) || '.';

/** Plugins (exec, auth-provider) as the library runs them; their credentials are asked for once. */
async function viaClientNode(text: string): Promise<Connection> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromString(text);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const options: RequestOptions = { headers: {} };
  await kc.applyToHTTPSOptions(options);
  return { server: cluster.server.replace(/\/$/, ''), options };
}
