/**
 * An init script as Doris receives it: one statement at a time. The MySQL protocol takes one
 * statement per query unless multi-statements are enabled, and running them one by one is what
 * lets progress be recorded after each, so a restarted operator resumes where it stopped.
 */
import { createHash } from 'node:crypto';

/** SHA-256 of a script's content: what "run once per content" is keyed on. */
export const digestOf = (sql: string): string => createHash('sha256').update(sql).digest('hex');

/**
 * Splits SQL on `;` outside quotes ('', "", ``) and comments (`-- `, `#`, `/* *\/`), dropping
 * empty statements and comment-only ones. Statements keep their text (comments inside included).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let meaningful = false;
  let i = 0;
  const flush = () => {
    if (meaningful) out.push(current.trim());
    current = '';
    meaningful = false;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\' && ch !== '`') j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      current += sql.slice(i, j + 1);
      meaningful = true;
      i = j + 1;
    } else if ((ch === '-' && next === '-' && /\s|$/.test(sql[i + 2] ?? '')) || ch === '#') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      current += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end < 0 ? sql.length : end + 2;
      current += sql.slice(i, stop);
      i = stop;
    } else if (ch === ';') {
      flush();
      i++;
    } else {
      if (!/\s/.test(ch)) meaningful = true;
      current += ch;
      i++;
    }
  }
  flush();
  return out;
}

/** The statement with comments removed and spaces collapsed, upper-cased: what the checks below read. */
function shape(statement: string): string {
  return statement
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(--\s|#)[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toUpperCase();
}

/**
 * Whether running the statement a second time changes nothing: when the operator stopped while
 * Doris ran it, such a statement is simply run again; any other is reported in doubt, because Doris
 * may have applied it (a DDL statement completes even when its client goes away).
 */
export function rerunnable(statement: string): boolean {
  const s = shape(statement);
  return (
    /^(SELECT|SHOW|DESC|DESCRIBE|EXPLAIN|USE|SET|GRANT|REVOKE|ADMIN SET)\b/.test(s) ||
    /^CREATE (\w+ ){1,2}IF NOT EXISTS\b/.test(s) ||
    /^CREATE OR REPLACE\b/.test(s) ||
    /^DROP \w+( \w+)? IF EXISTS\b/.test(s)
  );
}

/** Statements that set the session a later statement runs in (USE, SWITCH, session SET): replayed on a new connection. */
export function sessionStatement(statement: string): boolean {
  const s = shape(statement);
  return (
    /^(USE|SWITCH) /.test(s) || (/^SET /.test(s) && !/^SET (GLOBAL|PASSWORD|PROPERTY|@@GLOBAL)\b/.test(s))
  );
}
