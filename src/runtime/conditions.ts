/** metav1.Condition helpers: pure functions over a conditions list, like apimachinery's meta.SetStatusCondition. */

export interface Condition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
  readonly lastTransitionTime: string;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns the list with `next` set. The transition time changes only when the status does, so
 * re-asserting a condition is not a change and causes no write.
 */
export function setCondition(
  list: readonly Condition[] | undefined,
  next: ConditionInput,
  now: Date = new Date(),
): Condition[] {
  const current = list ?? [];
  const old = current.find((c) => c.type === next.type);
  const lastTransitionTime =
    old !== undefined && old.status === next.status
      ? old.lastTransitionTime
      : now.toISOString().replace(/\.\d+Z$/, 'Z');
  const merged: Condition = { ...next, lastTransitionTime };
  return old === undefined ? [...current, merged] : current.map((c) => (c.type === next.type ? merged : c));
}

export function findCondition(list: readonly Condition[] | undefined, type: string): Condition | undefined {
  return list?.find((c) => c.type === type);
}

export function isTrue(list: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(list, type)?.status === 'True';
}
