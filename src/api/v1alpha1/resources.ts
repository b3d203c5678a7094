/**
 * Compute resources of a container, typed (not an opaque core object) because the operator reads
 * them, e.g. the BE CPU limit for the entrypoint's `BE_CPU_LIMIT`, and compares requests with limits.
 */
import { z } from 'zod';
import { cel, type Quantity, quantity, withSchema } from '../schema/fields.ts';

const quantityMap = (what: string) =>
  withSchema(z.record(z.string().max(253), quantity(`Amount of this resource ${what}.`)), {
    maxProperties: 16,
  }).describe(`Resources by name (cpu, memory, ephemeral-storage, ...) ${what}, as quantities.`);

export const resourcesSchema = cel(
  z
    .object({
      requests: quantityMap('the container is guaranteed (used for scheduling)').optional(),
      limits: quantityMap('the container may use at most').optional(),
    })
    .describe('CPU and memory for the main container, as in a Kubernetes container spec.'),
  {
    // quantity(string(x)) accepts both int and string forms; invalid ones are refused by the value rule.
    rule:
      '!has(self.requests) || !has(self.limits) || self.limits.all(k, !(k in self.requests) || ' +
      '!isQuantity(string(self.requests[k])) || !isQuantity(string(self.limits[k])) || ' +
      'quantity(string(self.requests[k])).compareTo(quantity(string(self.limits[k]))) <= 0)',
    message: 'each request must be less than or equal to the limit of the same resource',
    fieldPath: '.requests',
  },
);

export interface Resources {
  requests?: Record<string, Quantity>;
  limits?: Record<string, Quantity>;
}
