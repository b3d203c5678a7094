/** The API client for the commands: an explicit kubeconfig, else $KUBECONFIG, in-cluster, or ~/.kube/config. */
import { RestClient } from '../kube/rest.ts';

export function loadClient(kubeconfig?: string): Promise<RestClient> {
  return RestClient.load(kubeconfig);
}
