/**
 * An init script as Doris receives it: one statement at a time. The MySQL protocol takes one
 * statement per query unless multi-statements are enabled, and running them one by one is what
 * lets progress be recorded after each, so a restarted operator resumes where it stopped.
 */
import { createHash } from 'node:crypto';

/** SHA-256 of a script's content: what "run once per content" is keyed on. */
export const digestOf = (sql: string): string => createHash('sha256').update(sql).digest('hex');

/**
 * How Doris' lexers read a script (`fe/fe-core/src/main/jflex/sql_scanner.flex` and
 * `nereids/DorisLexer.g4`, 2.0 to 3.0): `--` starts a comment to the end of the line, with or
 * without a space after it (MySQL needs one); `/* *\/` is a comment (`/*+` a hint); strings are
 * `'...'` or `"..."` with backslash escapes and doubled quotes; names are `` `...` ``. `#` is no
 * comment in Doris: it is a character no statement accepts.
 */
interface Piece {
  readonly kind: 'text' | 'quoted' | 'comment' | 'semicolon';
  readonly text: string;
  /** Where it starts, 1-based line. */
  readonly line: number;
  /** A quote or comment that never ends. */
  readonly open?: boolean;
}

function pieces(sql: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let line = 1;
  const push = (kind: Piece['kind'], to: number, open = false) => {
    const text = sql.slice(i, to);
    out.push({ kind, text, line, ...(open ? { open } : {}) });
    line += text.split('\n').length - 1;
    i = to;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === '\\' && ch !== '`') j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      push('quoted', Math.min(j + 1, sql.length), j >= sql.length);
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      push('comment', end < 0 ? sql.length : end);
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      push('comment', end < 0 ? sql.length : end + 2, end < 0);
    } else if (ch === ';') {
      push('semicolon', i + 1);
    } else {
      let j = i + 1;
      while (j < sql.length && !/['"`;/-]/.test(sql[j] as string)) j++;
      push('text', j);
    }
  }
  return out;
}

/** Splits SQL on `;` outside quotes and comments, dropping empty and comment-only statements. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = '';
  let meaningful = false;
  for (const p of pieces(sql)) {
    if (p.kind === 'semicolon') {
      if (meaningful) out.push(current.trim());
      current = '';
      meaningful = false;
      continue;
    }
    current += p.text;
    if (p.kind === 'quoted' || (p.kind === 'text' && p.text.trim() !== '')) meaningful = true;
  }
  if (meaningful) out.push(current.trim());
  return out;
}

/** What Doris would refuse in a script before running any of it, by line: the webhook's words. */
export function scriptProblems(sql: string): string[] {
  const out: string[] = [];
  for (const p of pieces(sql)) {
    if (p.open)
      out.push(
        `line ${p.line}: ${p.kind === 'quoted' ? `the ${p.text[0]} quote` : 'the /* comment'} is never closed`,
      );
    if (p.kind !== 'text') continue;
    const at = p.text.indexOf('#');
    if (at >= 0) {
      const line = p.line + (p.text.slice(0, at).split('\n').length - 1);
      out.push(`line ${line}: # starts no comment in Doris (a syntax error there); use -- or /* */`);
    }
  }
  return out;
}

/** The statement with comments removed and spaces collapsed, upper-cased: what the checks below read. */
function shape(statement: string): string {
  return statement
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
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
