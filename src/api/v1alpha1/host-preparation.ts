/**
 * Host preparation for BEs and compute nodes. `start_be.sh` exits at start when the node's
 * vm.max_map_count is below 2,000,000 (a stock Linux node has 65,530), when swap is on, or when
 * the open files limit is below 60,000 (apache/doris bin/start_be.sh, 2.0 L67-84, 2.1 L67-90,
 * 3.0 L178-201). The sysctl is the node kernel's, so only a privileged container can raise it; as
 * the official operator does, an init container raises it before the BE starts.
 */
import { z } from 'zod';

export const hostPreparationSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Run a privileged init container that raises the node's vm.max_map_count to 2000000 before the BE " +
          'starts (only ever raising it). Namespaces enforcing the baseline or restricted pod security ' +
          'profile refuse privileged containers: there, prepare the nodes another way (a DaemonSet in a ' +
          'privileged namespace, or the node image) and set this to false; the operator then also sets ' +
          'SKIP_CHECK_ULIMIT=true, which Doris 2.1.8+ and 3.0.4+ read to skip their host checks.',
      ),
    image: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe("Image of the init container; the component's own image (it has a shell) when omitted."),
  })
  .describe(
    'Preparing the node for the BE: vm.max_map_count, the one host setting Doris checks that a pod cannot set.',
  );
