/**
 * Configuration of a component: keys for its main configuration file and extra files, both
 * delivered through a ConfigMap the operator owns. Keys the operator writes itself are refused
 * here with the field to use instead (see owned-config.ts).
 */
import { z } from 'zod';
import { celString } from '../schema/cel.ts';
import { type CelRule, cel, withSchema } from '../schema/fields.ts';
import { type Component, configFileName, ownedConfigKeys, ownedKeyMessage } from './owned-config.ts';

/** `config`: keys of fe.conf / be.conf / apache_hdfs_broker.conf. */
export function configSchema(component: Component) {
  const file = configFileName[component];
  const owned: CelRule[] = ownedConfigKeys[component].map((o) => ({
    rule: `!(${celString(o.key)} in self)`,
    message: ownedKeyMessage(component, o),
  }));
  const map = withSchema(
    z.record(z.string(), z.string().max(4096).describe(`Value of the ${file} key, as text.`)),
    { maxProperties: 256 },
  ).describe(
    `Keys of ${file} with their values, as text (quote numbers and booleans in YAML). ` +
      'A change rolls the members one at a time unless spec.rollout.restartOnConfigChange is false. ' +
      'Ports, paths and network settings are owned by the operator and refused here.',
  );
  return cel(
    map,
    {
      rule: "self.all(k, k.matches('^[A-Za-z_][A-Za-z0-9_.]*$') && size(k) <= 128)",
      message: `keys must be ${file} keys: letters, digits, '_' and '.', starting with a letter or '_'`,
    },
    ...owned,
  );
}

/** `configFiles`: extra files beside the main one (log4j2, hdfs-site.xml, ...). */
export function configFilesSchema(component: Component) {
  const file = configFileName[component];
  const map = withSchema(z.record(z.string(), z.string().max(262144).describe('Content of the file.')), {
    maxProperties: 32,
  }).describe(
    `Extra files for the conf directory, by file name (e.g. hdfs-site.xml); ${file} itself comes from config.`,
  );
  return cel(
    map,
    {
      rule: "self.all(k, k.matches('^[A-Za-z0-9][-A-Za-z0-9_.]*$') && size(k) <= 253)",
      message: "keys must be file names: letters, digits, '-', '_' and '.'",
    },
    { rule: `!(${celString(file)} in self)`, message: `${file} comes from config, not configFiles` },
  );
}
