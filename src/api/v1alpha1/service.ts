/**
 * How the FE query (MySQL protocol, 9030) and HTTP (8030, also Stream Load) ports are exposed to
 * clients outside the cluster's own members. The members reach each other through a headless
 * Service the operator always creates; this is the client-facing one.
 */
import { z } from 'zod';
import { annotationMap, cel, labelMap } from '../schema/fields.ts';

const nodePort = (port: string) =>
  z
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe(
      `Node port for the ${port} with type NodePort or LoadBalancer; allocated by Kubernetes when omitted. ` +
        "Must be in the cluster's node port range (30000-32767 by default).",
    );

export const feServiceSchema = cel(
  z
    .object({
      type: z
        .enum(['ClusterIP', 'NodePort', 'LoadBalancer'])
        .default('ClusterIP')
        .describe('Service type: ClusterIP (default, in-cluster clients only), NodePort or LoadBalancer.'),
      queryNodePort: nodePort('query port (9030)'),
      httpNodePort: nodePort('HTTP port (8030)'),
      annotations: annotationMap('Annotations of the Service, e.g. for a cloud load balancer.').optional(),
      labels: labelMap('Extra labels of the Service.').optional(),
      loadBalancerSourceRanges: cel(
        z
          .array(z.string().max(64).describe('A CIDR, e.g. 10.0.0.0/8.'))
          .max(32)
          .optional()
          .describe('With type LoadBalancer: the client CIDRs allowed through the load balancer.'),
        { rule: 'self.all(r, isCIDR(r))', message: 'each entry must be a CIDR such as 203.0.113.0/24' },
      ),
      loadBalancerClass: z
        .string()
        .min(1)
        .max(253)
        .optional()
        .describe('With type LoadBalancer: the load balancer implementation to use.'),
      externalTrafficPolicy: z
        .enum(['Cluster', 'Local'])
        .optional()
        .describe(
          'With NodePort or LoadBalancer: Local keeps client source addresses, Cluster spreads load.',
        ),
    })
    .describe('The client Service of the FE: the MySQL query port 9030 and the HTTP port 8030.'),
  {
    rule: "self.type != 'ClusterIP' || (!has(self.queryNodePort) && !has(self.httpNodePort))",
    message: 'queryNodePort and httpNodePort need type NodePort or LoadBalancer',
    fieldPath: '.type',
  },
  {
    rule: "self.type == 'LoadBalancer' || (!has(self.loadBalancerSourceRanges) && !has(self.loadBalancerClass))",
    message: 'loadBalancerSourceRanges and loadBalancerClass need type LoadBalancer',
    fieldPath: '.type',
  },
  {
    rule: "self.type != 'ClusterIP' || !has(self.externalTrafficPolicy)",
    message: 'externalTrafficPolicy needs type NodePort or LoadBalancer',
    fieldPath: '.externalTrafficPolicy',
  },
  {
    rule: '!has(self.queryNodePort) || !has(self.httpNodePort) || self.queryNodePort != self.httpNodePort',
    message: 'queryNodePort and httpNodePort must differ',
    fieldPath: '.httpNodePort',
  },
);
