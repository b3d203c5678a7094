/** The API group and version every Doris kind lives in, and the category `kubectl get doris` lists. */

export const group = 'doris.cloudnative.dev';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;
/** Every kind is in this category, so `kubectl get doris` lists them all. */
export const category = 'doris';
