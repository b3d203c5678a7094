/**
 * The admission.k8s.io/v1 AdmissionReview the API server sends, and the responses: allowed (with
 * warnings, and a JSONPatch for a mutation) or denied with a Status whose causes name each field,
 * shaped like the API server's own "is invalid" errors so clients render them the same way.
 */
import type { PatchOp } from './json-patch.ts';
import { type Problem, summarize } from './problem.ts';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: { readonly group: string; readonly version: string; readonly resource: string };
  readonly subResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: Operation;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: boolean;
  /** Who sends the request: what the object may make the operator do is checked against it. */
  readonly userInfo?: UserInfo;
}

export interface UserInfo {
  readonly username?: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: {
    readonly code: number;
    readonly reason?: string;
    readonly message: string;
    readonly details?: {
      readonly name?: string;
      readonly group: string;
      readonly kind: string;
      readonly causes: readonly {
        readonly reason: string;
        readonly field: string;
        readonly message: string;
      }[];
    };
  };
  readonly patchType?: 'JSONPatch';
  /** Base64 of the JSON patch. */
  readonly patch?: string;
  readonly warnings?: readonly string[];
}

export interface AdmissionReview {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly request?: AdmissionRequest;
  readonly response?: AdmissionResponse;
}

/** A body that is not an AdmissionReview v1 request: answered with HTTP 400. */
export class BadReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadReviewError';
  }
}

const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** Checks the envelope only; the object inside is the kind's business. */
export function parseReview(body: unknown): AdmissionRequest {
  const review = body as Partial<AdmissionReview> | undefined;
  if (review?.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    throw new BadReviewError('expected an admission.k8s.io/v1 AdmissionReview');
  }
  const r = review.request;
  if (
    typeof r?.uid !== 'string' ||
    !OPERATIONS.includes(String(r.operation)) ||
    typeof r.kind?.kind !== 'string'
  ) {
    throw new BadReviewError('the AdmissionReview has no request with uid, kind and operation');
  }
  return r;
}

export function reviewOf(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

export function allow(
  uid: string,
  warnings: readonly string[] = [],
  patch: readonly PatchOp[] = [],
): AdmissionResponse {
  return {
    uid,
    allowed: true,
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(patch.length > 0
      ? { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(patch)).toString('base64') }
      : {}),
  };
}

/** A denial with one cause per problem; the message lists them all, field first. */
export function deny(
  request: AdmissionRequest,
  problems: readonly Problem[],
  warnings: readonly string[] = [],
): AdmissionResponse {
  const { kind, group } = request.kind;
  const name = request.name ?? '';
  return {
    uid: request.uid,
    allowed: false,
    ...(warnings.length > 0 ? { warnings } : {}),
    status: {
      code: 422,
      reason: 'Invalid',
      message: `${kind}.${group} "${name}" is invalid: ${summarize(problems)}`,
      details: {
        name,
        group,
        kind,
        causes: problems.map((p) => ({ reason: 'FieldValueInvalid', field: p.path, message: p.message })),
      },
    },
  };
}

/** The webhook failed; the API server then applies the failure policy (Fail: the request is refused). */
export function internalError(uid: string, message: string): AdmissionResponse {
  return {
    uid,
    allowed: false,
    status: { code: 500, reason: 'InternalError', message: `doris-admission-webhook failed: ${message}` },
  };
}
