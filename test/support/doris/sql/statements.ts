/** The statements the simulator executes, as parsed from SQL text. */
import type { GrantTarget, Privilege } from '../state/auth.ts';
import type { FrontendRole } from '../state/frontends.ts';

export interface UserRef {
  readonly name: string;
  readonly host: string;
}

export type Expr =
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'literal'; readonly value: string | number | null }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Expr[] }
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'star' };

export interface SelectItem {
  readonly expr: Expr;
  /** The column label: the alias, or the item's source text as MySQL prints it. */
  readonly label: string;
}

export type Props = Readonly<Record<string, string>>;

export type Statement =
  | { readonly kind: 'showFrontends' }
  | { readonly kind: 'showFrontendDisks' }
  | { readonly kind: 'showBackends' }
  | { readonly kind: 'showBrokers' }
  | { readonly kind: 'showConfig'; readonly pattern?: string }
  | { readonly kind: 'showDatabases' }
  | { readonly kind: 'showTables'; readonly db?: string }
  | { readonly kind: 'showVariables'; readonly pattern?: string }
  | { readonly kind: 'showGrants'; readonly all: boolean; readonly user?: UserRef }
  | { readonly kind: 'showRepositories' }
  | { readonly kind: 'showBackup'; readonly db?: string; readonly label?: string }
  | { readonly kind: 'showRestore'; readonly db?: string; readonly label?: string }
  | {
      readonly kind: 'showSnapshot';
      readonly repo: string;
      readonly label?: string;
      readonly timestamp?: string;
    }
  | { readonly kind: 'addFrontend'; readonly role: FrontendRole; readonly hostPort: string }
  | { readonly kind: 'dropFrontend'; readonly role: FrontendRole; readonly hostPort: string }
  | { readonly kind: 'addBackend'; readonly hostPorts: readonly string[]; readonly props: Props }
  | { readonly kind: 'dropBackend'; readonly force: boolean; readonly targets: readonly string[] }
  | { readonly kind: 'decommissionBackend'; readonly targets: readonly string[] }
  | { readonly kind: 'cancelDecommission'; readonly targets: readonly string[] }
  | { readonly kind: 'modifyBackend'; readonly targets: readonly string[]; readonly props: Props }
  | { readonly kind: 'addBroker'; readonly name: string; readonly hostPorts: readonly string[] }
  | { readonly kind: 'dropBroker'; readonly name: string; readonly hostPorts: readonly string[] }
  | { readonly kind: 'dropAllBroker'; readonly name: string }
  | { readonly kind: 'setConfig'; readonly all: boolean; readonly props: Props }
  | { readonly kind: 'createDatabase'; readonly name: string; readonly ifNotExists: boolean }
  | {
      readonly kind: 'dropDatabase';
      readonly name: string;
      readonly ifExists: boolean;
      readonly force: boolean;
    }
  | {
      readonly kind: 'createTable';
      readonly db?: string;
      readonly name: string;
      readonly ifNotExists: boolean;
      readonly columns: readonly string[];
      readonly buckets: number;
      readonly partitions: readonly string[];
      readonly props: Props;
    }
  | {
      readonly kind: 'dropTable';
      readonly db?: string;
      readonly name: string;
      readonly ifExists: boolean;
      readonly force: boolean;
    }
  | { readonly kind: 'use'; readonly db: string }
  | { readonly kind: 'setPassword'; readonly user?: UserRef; readonly plain?: string; readonly hash?: string }
  | { readonly kind: 'setVariables'; readonly assignments: readonly { name: string; value: string }[] }
  | {
      readonly kind: 'createUser';
      readonly user: UserRef;
      readonly ifNotExists: boolean;
      readonly plain?: string;
      readonly hash?: string;
      readonly role?: string;
    }
  | { readonly kind: 'dropUser'; readonly user: UserRef; readonly ifExists: boolean }
  | ({ readonly kind: 'grantPrivileges' } & PrivilegeChange)
  | ({ readonly kind: 'revokePrivileges' } & PrivilegeChange)
  | { readonly kind: 'grantRoles'; readonly roles: readonly string[]; readonly user: UserRef }
  | { readonly kind: 'revokeRoles'; readonly roles: readonly string[]; readonly user: UserRef }
  | { readonly kind: 'createRole'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly kind: 'createWorkloadGroup'; readonly name: string; readonly ifNotExists: boolean }
  | {
      readonly kind: 'setProperty';
      readonly user?: string;
      readonly props: readonly { key: string; value: string | null }[];
    }
  | { readonly kind: 'showProperty'; readonly user?: string }
  | { readonly kind: 'dropRole'; readonly name: string; readonly ifExists: boolean }
  | {
      readonly kind: 'alterUserPassword';
      readonly user: UserRef;
      readonly plain?: string;
      readonly hash?: string;
    }
  | {
      readonly kind: 'createRepository';
      readonly name: string;
      readonly readOnly: boolean;
      readonly type: string;
      readonly broker: string;
      readonly location: string;
      readonly props: Props;
    }
  | { readonly kind: 'dropRepository'; readonly name: string }
  | {
      readonly kind: 'backup';
      readonly db?: string;
      readonly label: string;
      readonly repo: string;
      readonly tables: readonly string[];
      readonly exclude: readonly string[];
      readonly props: Props;
    }
  | {
      readonly kind: 'restore';
      readonly db?: string;
      readonly label: string;
      readonly repo: string;
      readonly tables: readonly string[];
      readonly props: Props;
    }
  | { readonly kind: 'cancelJob'; readonly type: 'backup' | 'restore'; readonly db?: string }
  | {
      readonly kind: 'insert';
      readonly db?: string;
      readonly table: string;
      /** The column list, when given; otherwise values follow the table's columns. */
      readonly columns?: readonly string[];
      readonly rows: readonly (readonly Literal[])[];
    }
  | {
      readonly kind: 'select';
      readonly items: readonly SelectItem[];
      readonly from?: 'frontends' | 'backends';
      /** `FROM [db.]table`: a table of the catalog. */
      readonly table?: { readonly db?: string; readonly name: string };
      readonly limit?: number;
    };

export type Literal = string | number | null;

export type StatementKind = Statement['kind'];

/** GRANT privs ON target TO who, or REVOKE privs ON target FROM who. */
export interface PrivilegeChange {
  readonly privs: readonly Privilege[];
  readonly target: GrantTarget;
  readonly to: { readonly user: UserRef } | { readonly role: string };
}
