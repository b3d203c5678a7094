/**
 * Passwords are sent to Doris already hashed, never as string literals. Account statements fall
 * back to Doris' legacy parser (2.0, 2.1, 3.0), which unescapes backslashes and then collapses
 * doubled quotes: a password holding `''`, sent as client libraries escape it (`\'\'`), would be
 * stored as `'` and the account would not accept its own Secret. The hashed form
 * (`IDENTIFIED BY PASSWORD '*<hex>'`, `SET PASSWORD FOR u = '*<hex>'`) holds only hex digits, so
 * what Doris stores is exactly the Secret's password (fe-core `MysqlPassword.makeScrambledPassword`:
 * `*` and the upper-case hex of SHA1(SHA1(UTF-8 bytes))).
 */
import { createHash } from 'node:crypto';

export function passwordHash(plain: string): string {
  const stage1 = createHash('sha1').update(plain, 'utf8').digest();
  return `*${createHash('sha1').update(stage1).digest('hex').toUpperCase()}`;
}
