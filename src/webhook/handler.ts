/**
 * Turns an AdmissionReview into its answer for one kind and mode: a JSONPatch from the kind's
 * defaulter, or the validator's verdict. Never throws for a well-formed review: a failure of the
 * kind's code becomes an `error` verdict (HTTP 200, `allowed: false`, code 500 inside), counted and
 * logged, so the API server applies the failure policy instead of seeing a broken connection.
 * Logs carry the object's coordinates and the failing field paths, never field values.
 */
import type { Logger } from 'pino';
import { diff } from './json-patch.ts';
import type { KindAdmission, Mode } from './kinds.ts';
import type { Verdict, WebhookMetrics } from './metrics.ts';
import type { Findings } from './problem.ts';
import {
  type AdmissionRequest,
  type AdmissionResponse,
  allow,
  deny,
  internalError,
  parseReview,
} from './review.ts';

export interface Answer {
  readonly response: AdmissionResponse;
  readonly verdict: Verdict;
}

export class AdmissionHandler {
  private readonly metrics: WebhookMetrics;
  private readonly logger: Logger;

  constructor(metrics: WebhookMetrics, logger: Logger) {
    this.metrics = metrics;
    this.logger = logger;
  }

  /** Answers a parsed request body; throws BadReviewError when it is not an AdmissionReview. */
  async handle(
    kind: KindAdmission,
    mode: Mode,
    body: unknown,
    startedAt = performance.now(),
  ): Promise<AdmissionResponse> {
    const request = parseReview(body);
    const { response, verdict } = await this.answer(kind, mode, request);
    const seconds = (performance.now() - startedAt) / 1000;
    const labels = { kind: kind.resource.kind, operation: request.operation, verdict };
    this.metrics.admissions.inc(labels);
    this.metrics.latency.observe(labels, seconds);
    const fields = {
      kind: kind.resource.kind,
      namespace: request.namespace,
      name: request.name,
      operation: request.operation,
      mode,
      verdict,
      dryRun: request.dryRun === true,
      ms: Math.round(seconds * 10000) / 10,
      fields: response.status?.details?.causes.map((c) => c.field),
    };
    if (verdict === 'error')
      this.logger.error({ ...fields, error: response.status?.message }, 'admission failed');
    else if (verdict === 'denied') this.logger.info(fields, 'admission denied');
    else this.logger.debug(fields, 'admission answered');
    return response;
  }

  private async answer(kind: KindAdmission, mode: Mode, request: AdmissionRequest): Promise<Answer> {
    const r = kind.resource;
    const sameResource = request.resource?.resource === r.plural && request.kind.group === r.group;
    if (!sameResource || request.subResource !== undefined) {
      // A configuration sending other resources here is a deployment mistake: say so, do not guess.
      return {
        verdict: 'error',
        response: internalError(request.uid, `this endpoint admits ${r.plural}.${r.group} only`),
      };
    }
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') {
      return { verdict: mode === 'mutate' ? 'unchanged' : 'allowed', response: allow(request.uid) };
    }
    try {
      if (mode === 'mutate') {
        const patch = diff(request.object, kind.default(request.object, request.oldObject));
        return {
          verdict: patch.length > 0 ? 'patched' : 'unchanged',
          response: allow(request.uid, [], patch),
        };
      }
      const findings: Findings = await kind.validate({
        operation: request.operation,
        namespace: request.namespace ?? '',
        object: request.object,
        oldObject: request.operation === 'UPDATE' ? request.oldObject : undefined,
        ...(request.userInfo ? { user: request.userInfo } : {}),
      });
      return findings.problems.length > 0
        ? { verdict: 'denied', response: deny(request, findings.problems, findings.warnings) }
        : { verdict: 'allowed', response: allow(request.uid, findings.warnings) };
    } catch (err) {
      return {
        verdict: 'error',
        response: internalError(request.uid, err instanceof Error ? err.message : String(err)),
      };
    }
  }
}
