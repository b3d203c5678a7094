/**
 * A small JSON client for the Kubernetes REST API. Credentials and TLS come from kubeconfig.ts;
 * requests and responses stay plain JSON, which is what watches deliver too, so every cached object
 * has one shape (a typed client's models turn dates into Date objects and drop unknown keys of
 * custom resources).
 */
import type { IncomingMessage } from 'node:http';
import { Agent, type AgentOptions, type RequestOptions as HttpsRequestOptions, request } from 'node:https';
import { type Connection, fromKubeconfigFile, fromKubeconfigText, loadConnection } from './kubeconfig.ts';

/** An error answered by the API server, with its HTTP status and `Status.reason`. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(method: string, path: string, status: number, body: unknown) {
    const s = (body ?? {}) as { message?: string; reason?: string };
    super(`${method} ${path}: ${status} ${s.message ?? (typeof body === 'string' ? body : '')}`.trim());
    this.name = 'ApiError';
    this.status = status;
    this.reason = s.reason ?? '';
    this.body = body;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof ApiError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof ApiError && err.status === 409;
export const isForbidden = (err: unknown): boolean => err instanceof ApiError && err.status === 403;
export const isGone = (err: unknown): boolean => err instanceof ApiError && err.status === 410;

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface Request {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
  /** @default 'application/json' */
  readonly contentType?: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /** @default 'application/json' */
  readonly accept?: string;
}

/** Called once per finished request, for metrics. */
export type RequestObserver = (method: string, status: number, seconds: number) => void;

export const contentTypes = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export class RestClient {
  readonly server: string;
  private readonly base: HttpsRequestOptions;
  private readonly authorization: (() => string | undefined) | undefined;
  private readonly agent: Agent;
  private observers: RequestObserver[] = [];

  constructor(connection: Connection) {
    this.server = connection.server;
    this.agent = new Agent({ keepAlive: true, maxSockets: 64, ...pickTls(connection.options) });
    this.base = connection.options;
    this.authorization = connection.authorization;
  }

  /** A kubeconfig file, else $KUBECONFIG, the pod's service account, or ~/.kube/config. */
  static async load(path?: string): Promise<RestClient> {
    return new RestClient(await loadConnection(path));
  }

  static async fromKubeconfigFile(path: string): Promise<RestClient> {
    return new RestClient(await fromKubeconfigFile(path));
  }

  static async fromKubeconfigText(text: string): Promise<RestClient> {
    return new RestClient(await fromKubeconfigText(text));
  }

  onRequest(observer: RequestObserver): void {
    this.observers.push(observer);
  }

  close(): void {
    this.agent.destroy();
  }

  async request<T = unknown>(req: Request): Promise<T> {
    const started = performance.now();
    const res = await this.send(req);
    const text = await readBody(res);
    const status = res.statusCode ?? 0;
    for (const o of this.observers) o(req.method, status, (performance.now() - started) / 1000);
    const body = parseJson(text);
    if (status < 200 || status >= 300) throw new ApiError(req.method, req.path, status, body);
    return body as T;
  }

  /**
   * Streams a newline-delimited JSON response (a watch) to `onLine` until the server ends it, the
   * signal aborts, or `timeoutMs` passes without data. Resolves when the stream ends.
   */
  async stream(req: Request, onLine: (value: unknown) => void, signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    const res = await this.send(req, signal);
    const status = res.statusCode ?? 0;
    for (const o of this.observers) o('WATCH', status, (performance.now() - started) / 1000);
    if (status < 200 || status >= 300) {
      throw new ApiError(req.method, req.path, status, parseJson(await readBody(res)));
    }
    let buffered = '';
    res.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line !== '') {
            try {
              onLine(JSON.parse(line));
            } catch (err) {
              res.destroy(err as Error);
              return;
            }
          }
          nl = buffered.indexOf('\n');
        }
      });
      res.once('end', resolve);
      res.once('close', resolve);
      res.once('error', (err) => (signal?.aborted ? resolve() : reject(err)));
    });
  }

  private send(req: Request, signal?: AbortSignal): Promise<IncomingMessage> {
    const url = new URL(this.server + req.path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const authorization = this.authorization?.();
    const headers: Record<string, string | number> = {
      ...(this.base.headers as Record<string, string>),
      ...(authorization ? { authorization } : {}),
      accept: req.accept ?? 'application/json',
    };
    if (payload !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const r = request(url, { method: req.method, headers, agent: this.agent, signal }, resolve);
      r.setTimeout(req.timeoutMs ?? 30_000, () =>
        r.destroy(new Error(`${req.method} ${req.path}: timed out`)),
      );
      r.once('error', reject);
      r.end(payload);
    });
  }
}

function pickTls(o: HttpsRequestOptions): AgentOptions {
  const { ca, cert, key, rejectUnauthorized, servername } = o;
  return { ca, cert, key, rejectUnauthorized, servername };
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.once('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
