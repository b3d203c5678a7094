/**
 * How changes roll out: upgrades, configuration restarts and scale-in. The operator always keeps
 * the Doris order (BE, CN, FE observers, followers, master last, then Broker) and one disruptive
 * operation at a time per cluster; this policy only says how fast, when to give up, and lets an
 * admin pause everything disruptive.
 */
import { z } from 'zod';

export const rolloutSchema = z
  .object({
    paused: z
      .boolean()
      .default(false)
      .describe(
        'Stops every disruptive operation (upgrade steps, configuration restarts, scale-in, failover replacement) ' +
          'before its next member; new members are still created and status is still reported. ' +
          'Unpausing resumes where the operation stopped.',
      ),
    maxUnavailable: z
      .int()
      .min(1)
      .max(100)
      .default(1)
      .describe(
        'How many CN or Broker members (stateless) voluntary disruptions such as node drains may take down ' +
          "at once (their PodDisruptionBudgets); FE and BE budgets always allow one. The operator's own " +
          'restarts (upgrades, configuration) take every member one at a time, each confirmed alive in ' +
          'Doris with the new version before the next.',
      ),
    memberTimeoutSeconds: z
      .int()
      .min(60)
      .max(86400)
      .default(1800)
      .describe(
        'How long one member may take to come back alive in Doris after a restart or replacement. Past it the ' +
          'rollout stops at that member and the cluster reports Degraded, rather than moving on.',
      ),
    restartOnConfigChange: z
      .boolean()
      .default(true)
      .describe(
        'Restart the members of a component, one at a time, when its config or configFiles change, so the ' +
          'new values take effect. With false, changes wait for the next restart.',
      ),
  })
  .describe('Rollout and upgrade policy, for all components.');
