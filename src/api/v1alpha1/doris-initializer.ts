/**
 * DorisInitializer (short name `di`): the accounts, databases and init SQL of one DorisCluster,
 * declared. Users are kept true for as long as the initializer exists (created when missing, a
 * password changed when its Secret changes, grants added and revoked to match, dropped when
 * `ensure: absent`); users it does not list are never touched. Databases are created, never
 * dropped. Scripts run once per content, in order, after the cluster is Ready. The single source of
 * the kind's TypeScript types and of its CRD.
 */
import { z } from 'zod';
import { cel, listMap, timestamp } from '../schema/fields.ts';
import { defineKind, type ObjectOf } from '../schema/kind.ts';
import { conditionsSchema } from './conditions.ts';
import { category, group, version } from './group.ts';

/** Privileges as GRANT names them (Doris 2.1/3.0 AccessPrivilege); ALL differs between versions, so it is not offered. */
export const privilegeNames = [
  'NODE_PRIV',
  'ADMIN_PRIV',
  'GRANT_PRIV',
  'SELECT_PRIV',
  'LOAD_PRIV',
  'ALTER_PRIV',
  'CREATE_PRIV',
  'DROP_PRIV',
  'USAGE_PRIV',
  'SHOW_VIEW_PRIV',
] as const;
export type PrivilegeName = (typeof privilegeNames)[number];

/** Doris' own name rules (FeNameFormat): users, roles and databases. */
export const userNamePattern = /^[a-zA-Z][a-zA-Z0-9._-]{0,63}$/;
export const roleNamePattern = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;
export const databaseNamePattern = /^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/;
/** `*.*.*`, `ctl.*.*`, `ctl.db.*`, `ctl.db.tbl`, `db.*`, `db.tbl` (a 2-part pattern is in the internal catalog). */
export const tablePatternPattern =
  /^(\*\.\*\.\*|[a-zA-Z0-9_-]+\.\*\.\*|[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]+\.(\*|[a-zA-Z0-9_-]+)|[a-zA-Z0-9_-]+\.(\*|[a-zA-Z0-9_-]+))$/;

const secretKeyRef = (what: string) =>
  z
    .object({
      name: z.string().min(1).max(253).describe('Name of the Secret, in the initializer namespace.'),
      key: z.string().min(1).max(253).default('password').describe('Key in the Secret (default password).'),
    })
    .describe(what);

const grantSchema = cel(
  z
    .object({
      privileges: z
        .array(z.enum(privilegeNames))
        .min(1)
        .max(10)
        .describe(`Privileges granted, as Doris names them: ${privilegeNames.join(', ')}.`),
      level: z
        .string()
        .regex(tablePatternPattern)
        .max(256)
        .optional()
        .describe(
          'GRANT ... ON this table pattern: *.*.* (everything), catalog.*.*, catalog.db.*, catalog.db.table, or db.* and db.table in the ' +
            'internal catalog. NODE_PRIV and ADMIN_PRIV only on *.*.*.',
        ),
      workloadGroup: z
        .string()
        .max(64)
        .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/)
        .optional()
        .describe('A workload group instead of a table pattern (USAGE_PRIV or GRANT_PRIV).'),
      resource: z
        .string()
        .max(64)
        .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/)
        .optional()
        .describe('A resource instead of a table pattern (USAGE_PRIV or GRANT_PRIV).'),
    })
    .describe(
      'Privileges on one level: exactly one of level, workloadGroup, resource. Which privileges fit which level ' +
        '(NODE_PRIV and ADMIN_PRIV on *.*.* only, USAGE_PRIV on workload groups and resources only) is checked by the webhook.',
    ),
  {
    rule: '[has(self.level), has(self.workloadGroup), has(self.resource)].filter(x, x).size() == 1',
    message: 'set exactly one of level, workloadGroup or resource',
  },
);

export const initializerUserSchema = cel(
  z
    .object({
      name: z
        .string()
        .regex(userNamePattern)
        .describe('User name (a letter, then letters, digits, ., _, -).'),
      host: z
        .string()
        .min(1)
        .max(255)
        .default('%')
        .describe('Host the account is for: % (any, the default), an IP, or a pattern such as 10.0.%.'),
      ensure: z
        .enum(['present', 'absent'])
        .default('present')
        .describe('present keeps the user as declared; absent drops it (once, and keeps it dropped).'),
      passwordSecretRef: secretKeyRef(
        "The user's password: a key of a Secret (required when ensure is present). Changing the Secret changes the password in Doris.",
      ).optional(),
      roles: z
        .array(z.string().max(64).regex(roleNamePattern))
        .max(16)
        .default([])
        .describe(
          'Roles granted to the user (they must exist in Doris; admin is built in, operator is not grantable).',
        ),
      grants: z
        .array(grantSchema)
        .max(32)
        .default([])
        .describe(
          'Privileges granted to the user. Privileges the operator granted and that are removed from here are revoked.',
        ),
      defaultWorkloadGroup: z
        .string()
        .max(64)
        .regex(/^[a-zA-Z][a-zA-Z0-9_-]*$/)
        .optional()
        .describe("The user's default workload group (user property default_workload_group)."),
      resourceTags: z
        .array(
          z
            .string()
            .max(33)
            .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,32}$/),
        )
        .max(16)
        .optional()
        .describe(
          'Backend tags (tag.location) the user queries run on (user property resource_tags.location).',
        ),
    })
    .describe('One Doris user.'),
  {
    rule: "self.ensure == 'absent' || has(self.passwordSecretRef)",
    message: 'passwordSecretRef is required for a present user',
    fieldPath: '.passwordSecretRef',
    reason: 'FieldValueRequired',
  },
  {
    rule: "!(self.name in ['root', 'admin'])",
    message: 'root and admin are built-in Doris accounts; root gets its password from rootPasswordSecretRef',
    fieldPath: '.name',
  },
  {
    rule: "!self.roles.exists(r, r.lowerAscii() == 'operator')",
    message: 'the operator role cannot be granted to users',
    fieldPath: '.roles',
  },
);

export const initScriptSchema = cel(
  z
    .object({
      name: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
        .max(63)
        .describe('Name of the script, unique in the list (status reports progress by it).'),
      sql: z.string().min(1).max(262144).optional().describe('The SQL, inline: statements separated by ;.'),
      configMapKeyRef: z
        .object({
          name: z.string().min(1).max(253).describe('Name of the ConfigMap, in the initializer namespace.'),
          key: z.string().min(1).max(253).describe('Key holding the SQL.'),
        })
        .optional()
        .describe('The SQL, from a ConfigMap key.'),
      rerunOnChange: z
        .boolean()
        .default(false)
        .describe('Run the script again when its content changes (by default a script runs once, ever).'),
      statementTimeoutSeconds: z
        .int()
        .min(1)
        .max(86400)
        .default(300)
        .describe('How long one statement may run (default 300 s).'),
    })
    .describe('One init script: statements run in order, once per content.'),
  {
    rule: 'has(self.sql) != has(self.configMapKeyRef)',
    message: 'set exactly one of sql or configMapKeyRef',
  },
);

export const dorisInitializerSpecSchema = z
  .object({
    clusterRef: cel(
      z
        .object({ name: z.string().min(1).max(253).describe('Name of the DorisCluster.') })
        .describe(
          'The DorisCluster to initialize, in the same namespace. One initializer per cluster; it cannot change.',
        ),
      {
        rule: 'self == oldSelf',
        message:
          'clusterRef cannot change: what was applied belongs to that cluster; create another initializer',
      },
    ),
    rootPasswordSecretRef: secretKeyRef(
      "The password Doris' root account gets. It takes the place of the cluster's generated <cluster>-root Secret " +
        '(spec.rootSecretRef of the DorisCluster wins when both are set); the DorisCluster controller sets it.',
    ).optional(),
    users: listMap(
      z.array(initializerUserSchema).max(128).default([]).describe('Users kept as declared.'),
      'name',
      'host',
    ),
    databases: z
      .array(z.string().max(64).regex(databaseNamePattern))
      .max(256)
      .default([])
      .describe('Databases created when missing (never dropped).'),
    initSQL: listMap(
      z
        .array(initScriptSchema)
        .max(64)
        .default([])
        .describe('Scripts run in order, after the users and databases.'),
      'name',
    ),
    backoffLimit: z
      .int()
      .min(0)
      .max(100)
      .default(6)
      .describe('Failed attempts of a script statement before the script is reported Failed (default 6).'),
  })
  .describe('What the cluster should hold: users, databases and init scripts.');

export const scriptStates = ['Pending', 'Running', 'Applied', 'Failed', 'InDoubt', 'Changed'] as const;

export const dorisInitializerStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe('The generation this status was written for.'),
    dorisClusterId: z
      .string()
      .optional()
      .describe(
        "Doris' cluster id (SHOW FRONTENDS) the users and scripts were applied to: a Doris with new metadata starts afresh.",
      ),
    phase: z
      .enum(['Pending', 'Initializing', 'Ready', 'Failed'])
      .optional()
      .describe(
        'Pending (waiting for the cluster), Initializing, Ready (all applied), Failed (needs attention).',
      ),
    users: listMap(
      z
        .array(
          z
            .object({
              name: z.string().describe('User name.'),
              host: z.string().describe('User host.'),
              state: z
                .enum(['Present', 'Absent', 'Pending', 'Failed'])
                .describe(
                  'Present or Absent as declared, Pending (not yet applied) or Failed (see message).',
                ),
              message: z.string().max(4096).optional().describe('Why the user is not as declared.'),
              passwordVersion: z
                .string()
                .optional()
                .describe(
                  'The resourceVersion of the password Secret last applied (a new one sets the password again).',
                ),
              roles: z
                .array(z.string())
                .optional()
                .describe('Roles the operator granted (revoked when removed).'),
              grants: z
                .array(z.string())
                .optional()
                .describe('Privileges the operator granted, as PRIV@level (revoked when removed).'),
              properties: z
                .string()
                .optional()
                .describe('User properties last set (default_workload_group, resource_tags.location).'),
            })
            .describe('One declared user.'),
        )
        .optional()
        .describe('State of each declared user.'),
      'name',
      'host',
    ),
    scripts: listMap(
      z
        .array(
          z
            .object({
              name: z.string().describe('Script name.'),
              digest: z.string().describe('SHA-256 of the content the state is about.'),
              state: z
                .enum(scriptStates)
                .describe(
                  'Pending, Running, Applied, Failed (after backoffLimit attempts), InDoubt (the operator stopped during a ' +
                    'statement; see message) or Changed (content changed after it ran; not run again).',
                ),
              statements: z.int().min(0).describe('Number of statements in the script.'),
              done: z.int().min(0).describe('Statements completed.'),
              started: z
                .int()
                .min(0)
                .optional()
                .describe('Index of the statement sent to Doris and not yet confirmed (from 0).'),
              attempts: z.int().min(0).optional().describe('Failed attempts of the current statement.'),
              message: z
                .string()
                .max(4096)
                .optional()
                .describe('The last failure: statement number and Doris error.'),
              answered: z
                .string()
                .optional()
                .describe('The last resume-<script> annotation value acted on (each is used once).'),
              appliedAt: timestamp('When the script completed.').optional(),
            })
            .describe('One script.'),
        )
        .optional()
        .describe('Progress of each script.'),
      'name',
    ),
    applied: z
      .array(
        z
          .object({
            name: z.string().describe('Script name.'),
            digest: z.string().describe('SHA-256 of the content run.'),
            at: timestamp('When it completed.'),
          })
          .describe('One completed script content.'),
      )
      .max(256)
      .optional()
      .describe('Every script content ever completed: a restarted operator never runs one twice.'),
    conditions: conditionsSchema.optional(),
  })
  .describe('What the operator last applied.');

export const dorisInitializerKind = defineKind({
  group,
  version,
  kind: 'DorisInitializer',
  plural: 'dorisinitializers',
  shortNames: ['di'],
  categories: [category],
  description:
    "A DorisCluster's accounts, databases and init SQL, declared: users kept as listed (passwords from Secrets, " +
    'roles, grants), databases created, scripts run once.',
  spec: dorisInitializerSpecSchema,
  status: dorisInitializerStatusSchema,
  printerColumns: [
    { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterRef.name', description: 'The DorisCluster.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Summary.' },
    {
      name: 'Reason',
      type: 'string',
      jsonPath: ".status.conditions[?(@.type=='Ready')].reason",
      description: 'Why it is or is not Ready.',
    },
    {
      name: 'Age',
      type: 'date',
      jsonPath: '.metadata.creationTimestamp',
      description: 'Time since creation.',
    },
  ],
});

export type DorisInitializerSpec = z.input<typeof dorisInitializerSpecSchema>;
export type ResolvedInitializerSpec = z.output<typeof dorisInitializerSpecSchema>;
export type DorisInitializerStatus = z.input<typeof dorisInitializerStatusSchema>;
export type DorisInitializer = ObjectOf<typeof dorisInitializerKind>;
