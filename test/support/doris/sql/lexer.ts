/**
 * Tokens of the SQL the simulator understands, and the split of a multi-statement text at top-level
 * semicolons. Comments (`-- `, `#`, `/* *\/`) are dropped, as the mysql client and Doris do.
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
];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '-' && sql.startsWith('-- ', i)) || sql.startsWith('--\n', i)) {
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
  let out = '';
  let i = start + 1;
  while (i < sql.length) {
    const c = sql.charAt(i);
    if (c === '\\' && quote !== '`' && i + 1 < sql.length) {
      const n = sql.charAt(i + 1);
      out += n === 'n' ? '\n' : n === 't' ? '\t' : n === '0' ? '\0' : n;
      i += 2;
    } else if (c === quote && sql.charAt(i + 1) === quote) {
      out += quote;
      i += 2;
    } else if (c === quote) {
      return [out, i + 1];
    } else {
      out += c;
      i++;
    }
  }
  return [out, sql.length];
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
