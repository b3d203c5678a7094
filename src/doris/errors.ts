/** Errors from Doris, with the MySQL error code and Doris's own message. */

export class DorisError extends Error {
  /** MySQL error number: 1105 for DDL failures, 1045 bad login, 1227 missing privilege. */
  readonly errno: number;
  /** The text after `errCode = 2, detailMessage = `, or the whole message. */
  readonly detail: string;

  constructor(statement: string, errno: number, message: string, options?: ErrorOptions) {
    const detail = message.replace(/^errCode = \d+, detailMessage = /, '');
    super(`${statement}: ${detail}`, options);
    this.name = 'DorisError';
    this.errno = errno;
    this.detail = detail;
  }

  get accessDenied(): boolean {
    return this.errno === 1045;
  }
}

/** Doris could not be reached at all (connection refused, timeout): its state is unknown. */
export class DorisUnreachableError extends Error {
  constructor(address: string, options?: ErrorOptions) {
    super(`Doris FE at ${address} is unreachable`, options);
    this.name = 'DorisUnreachableError';
  }
}
