/** The API client for the commands: an explicit kubeconfig, else $KUBECONFIG, in-cluster, or ~/.kube/config. */
import { KubeConfig } from '@kubernetes/client-node';
import { RestClient } from '../kube/rest.ts';

export function loadClient(kubeconfig?: string): Promise<RestClient> {
  const kc = new KubeConfig();
  if (kubeconfig !== undefined && kubeconfig !== '') kc.loadFromFile(kubeconfig);
  else kc.loadFromDefault();
  return RestClient.fromKubeConfig(kc);
}
