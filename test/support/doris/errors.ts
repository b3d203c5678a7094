/**
 * Errors as Doris sends them over the MySQL protocol: DDL failures are 1105/HY000 with the
 * `errCode = 2, detailMessage = ` prefix; a bad login is 1045/28000; a missing privilege 1227/42000.
 */

export class DorisError extends Error {
  readonly code: number;
  readonly sqlState: string;
  constructor(code: number, sqlState: string, message: string) {
    super(message);
    this.name = 'DorisError';
    this.code = code;
    this.sqlState = sqlState;
  }
}

/** `ERROR 1105 (HY000): errCode = 2, detailMessage = <detail>` */
export const ddlError = (detail: string): DorisError =>
  new DorisError(1105, 'HY000', `errCode = 2, detailMessage = ${detail}`);

/** `ERROR 1045 (28000): Access denied for user 'root@10.0.0.1' (using password: YES)` */
export const accessDenied = (user: string, clientHost: string, usingPassword: boolean): DorisError =>
  new DorisError(
    1045,
    '28000',
    `Access denied for user '${user}@${clientHost}' (using password: ${usingPassword ? 'YES' : 'NO'})`,
  );

/** `ERROR 1227 (42000): Access denied; you need (at least one of) the NODE privilege(s) for this operation` */
export const privilegeDenied = (privileges: string): DorisError =>
  new DorisError(
    1227,
    '42000',
    `Access denied; you need (at least one of) the ${privileges} privilege(s) for this operation`,
  );

export const unknownDatabase = (db: string): DorisError =>
  new DorisError(1049, '42000', `errCode = 2, detailMessage = Unknown database '${db}'`);

export const noDatabaseSelected = (): DorisError =>
  new DorisError(1046, '3D000', 'errCode = 2, detailMessage = No database selected');

/** What a statement forwarded to a master that does not exist (no quorum, no election) gets. */
export const notReady = (): DorisError => ddlError('Node catalog is not ready, please wait for a while.');

/**
 * What a follower answers when it cannot forward to the master (none elected, or its process gone):
 * qe/MasterOpExecutor.java `forward` wraps the failed thrift connection, and StmtExecutor reports
 * `<exception class>, msg: <message>` (seen as `ERROR 1105 (HY000): Exception, msg: Failed to get
 * master client.` on a follower of a cluster without a master).
 */
export const forwardFailed = (): DorisError =>
  new DorisError(1105, 'HY000', 'Exception, msg: Failed to get master client.');
