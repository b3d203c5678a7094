/**
 * Tokens of the SQL the simulator understands, and the split of a multi-statement text at top-level
 * semicolons, as Doris' lexers read them (`fe/fe-core/src/main/jflex/sql_scanner.flex`,
 * `nereids/DorisLexer.g4`, branch-2.1 and branch-3.0):
 * - comments are `--` to the end of the line (no space needed after it, unlike MySQL) and
 *   `/* *\/`; `#` is no comment in Doris, a character no statement accepts (a syntax error);
 * - strings are `'...'` or `"..."` with backslash escapes and doubled quotes, names `` `...` ``.
 *   Account statements (CREATE USER, SET PASSWORD, GRANT, ...) fall back to the legacy parser on
 *   2.0, 2.1 and 3.0, which unescapes backslashes first and then collapses `''` (`StringLiteral`
 *   handling in sql_scanner.flex): a password sent as `'a\'\'b'` (how client libraries escape
 *   `a''b`) is stored as `a'b`. Every string here is read that way.
 */

export type TokenType = 'word' | 'quoted' | 'string' | 'number' | 'variable' | 'symbol';

export interface Token {
  readonly type: TokenType;
  /** For strings and quoted names: the unquoted value; otherwise the text itself. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

const SYMBOLS = [
  '<>',
  '!=',
  '>=',
  '<=',
  '(',
  ')',
  ',',
  '=',
  ';',
  '.',
  '*',
  '@',
  '<',
  '>',
  '-',
  '+',
  '/',
  '%',
  '#',
];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      while (i < sql.length && sql.charAt(i) !== '\n') i++;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const [value, end] = readQuoted(sql, i, c);
      tokens.push({ type: c === '`' ? 'quoted' : 'string', value, start: i, end });
      i = end;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(sql.slice(i));
      const text = m?.[0] ?? c;
      tokens.push({ type: 'number', value: text, start: i, end: i + text.length });
      i += text.length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z0-9_$]+/.exec(sql.slice(i));
      const text = m?.[0] ?? c;
      tokens.push({ type: 'word', value: text, start: i, end: i + text.length });
      i += text.length;
    } else if (c === '@' && /[@A-Za-z_]/.test(sql.charAt(i + 1))) {
      const m = /^@@?[A-Za-z0-9_.$]+/.exec(sql.slice(i));
      const text = m?.[0] ?? c;
      tokens.push({ type: 'variable', value: text, start: i, end: i + text.length });
      i += text.length;
    } else {
      const sym = SYMBOLS.find((s) => sql.startsWith(s, i)) ?? c;
      tokens.push({ type: 'symbol', value: sym, start: i, end: i + sym.length });
      i += sym.length;
    }
  }
  return tokens;
}

function readQuoted(sql: string, start: number, quote: string): [string, number] {
  // The literal's extent: up to the closing quote, stepping over `\x` and doubled quotes.
  let i = start + 1;
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (c === '\\' && quote !== '`' && i + 1 < sql.length) i += 2;
    else if (c === quote && sql.charAt(i + 1) === quote) i += 2;
    else if (c === quote) break;
    else i++;
  }
  const raw = sql.slice(start + 1, i);
  const end = Math.min(i + 1, sql.length);
  if (quote === '`') return [raw.replaceAll('``', '`'), end];
  // Legacy order: backslash escapes first, then doubled quotes collapse (on the unescaped text).
  const unescaped = raw.replace(/\\(.)/gs, (_m, n: string) =>
    n === 'n' ? '\n' : n === 't' ? '\t' : n === '0' ? '\0' : n,
  );
  return [unescaped.replaceAll(quote + quote, quote), end];
}

/** One statement of a text: its tokens (without the `;`) and its source text. */
export interface StatementText {
  readonly tokens: readonly Token[];
  readonly text: string;
}

/** Splits at top-level semicolons; empty statements are dropped. */
export function splitStatements(sql: string): StatementText[] {
  const out: StatementText[] = [];
  let current: Token[] = [];
  const flush = () => {
    const first = current[0];
    const last = current[current.length - 1];
    if (first !== undefined && last !== undefined) {
      out.push({ tokens: current, text: sql.slice(first.start, last.end) });
    }
    current = [];
  };
  for (const t of tokenize(sql)) {
    if (t.type === 'symbol' && t.value === ';') flush();
    else current.push(t);
  }
  flush();
  return out;
}
