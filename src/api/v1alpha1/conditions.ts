/**
 * The standard metav1.Condition shape, with the API server's own bounds, for every kind's
 * `status.conditions` (listed by type, one entry per type).
 */
import { z } from 'zod';
import { listMap, timestamp } from '../schema/fields.ts';

export const conditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(
        /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/,
      )
      .describe('Type of condition in CamelCase: Ready, Progressing, Degraded, or a kind-specific one.'),
    status: z.enum(['True', 'False', 'Unknown']).describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: z
      .int()
      .min(0)
      .optional()
      .describe(
        'The .metadata.generation the condition was set from; older than the current one means stale.',
      ),
    lastTransitionTime: timestamp('When the condition last changed from one status to another.'),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe('A programmatic identifier in CamelCase for the reason of the last transition.'),
    message: z.string().max(32768).describe('A human readable message with details about the transition.'),
  })
  .describe('One aspect of the current state, in the standard metav1.Condition shape.');

export type Condition = z.input<typeof conditionSchema>;

export const conditionsSchema = listMap(
  z.array(conditionSchema).max(32).describe('The latest observations of the object, one per condition type.'),
  'type',
);
