/** A cursor over one statement's tokens, with the small helpers a recursive-descent parser needs. */
import { ddlError } from '../errors.ts';
import type { Token } from './lexer.ts';
import type { Props, UserRef } from './statements.ts';

export class Cursor {
  private readonly tokens: readonly Token[];
  private readonly text: string;
  private pos = 0;

  constructor(tokens: readonly Token[], text: string) {
    this.tokens = tokens;
    this.text = text;
  }

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  atEnd(): boolean {
    return this.pos >= this.tokens.length;
  }

  /** A syntax error in Doris's words, naming the statement. */
  fail(): never {
    const at = this.peek();
    throw ddlError(
      `Syntax error in line 1:\n${this.text}\n${at === undefined ? 'unexpected end of statement' : `Encountered: ${at.value}`}` +
        ' (not supported by the Doris simulator)',
    );
  }

  /** True when the next tokens are these words (case-insensitive). */
  isWord(...words: string[]): boolean {
    return words.every((w, i) => {
      const t = this.peek(i);
      return t?.type === 'word' && t.value.toUpperCase() === w;
    });
  }

  acceptWord(...words: string[]): boolean {
    if (!this.isWord(...words)) return false;
    this.pos += words.length;
    return true;
  }

  expectWord(...words: string[]): void {
    if (!this.acceptWord(...words)) this.fail();
  }

  acceptSymbol(s: string): boolean {
    const t = this.peek();
    if (t?.type !== 'symbol' || t.value !== s) return false;
    this.pos++;
    return true;
  }

  expectSymbol(s: string): void {
    if (!this.acceptSymbol(s)) this.fail();
  }

  next(): Token {
    const t = this.peek();
    if (t === undefined) this.fail();
    this.pos++;
    return t;
  }

  /** An identifier: a bare word or a back-quoted name. */
  name(): string {
    const t = this.next();
    if (t.type !== 'word' && t.type !== 'quoted') this.fail();
    return t.value;
  }

  /** A string literal. */
  string(): string {
    const t = this.next();
    if (t.type !== 'string') this.fail();
    return t.value;
  }

  /** A name or a string, as Doris accepts for labels, roles and user names. */
  nameOrString(): string {
    const t = this.next();
    if (t.type !== 'word' && t.type !== 'quoted' && t.type !== 'string') this.fail();
    return t.value;
  }

  /** `"a", "b"`: one or more string literals separated by commas. */
  strings(): string[] {
    const out = [this.string()];
    while (this.acceptSymbol(',')) out.push(this.string());
    return out;
  }

  /** `("k" = "v", ...)`. */
  properties(): Props {
    const props: Record<string, string> = {};
    this.expectSymbol('(');
    if (this.acceptSymbol(')')) return props;
    do {
      const key = this.nameOrString();
      this.expectSymbol('=');
      const t = this.next();
      props[key] = t.value;
    } while (this.acceptSymbol(','));
    this.expectSymbol(')');
    return props;
  }

  /** `[db.]name`. */
  qualifiedName(): { db?: string; name: string } {
    const first = this.name();
    if (this.acceptSymbol('.')) return { db: first, name: this.name() };
    return { name: first };
  }

  /** `'user'@'host'`, `user@'%'`, `'user'` or `user` (host `%`). */
  user(): UserRef {
    const name = this.nameOrString();
    if (this.acceptSymbol('@')) return { name, host: this.nameOrString() };
    const t = this.peek();
    // `user@host` lexes as a variable token when written without quotes.
    if (t?.type === 'variable' && !t.value.startsWith('@@')) {
      this.pos++;
      return { name, host: t.value.slice(1) };
    }
    return { name, host: '%' };
  }

  /** Skips a balanced `( ... )` group and returns its tokens. */
  group(): Token[] {
    const start = this.pos;
    this.expectSymbol('(');
    let depth = 1;
    while (depth > 0) {
      const t = this.next();
      if (t.type === 'symbol' && t.value === '(') depth++;
      if (t.type === 'symbol' && t.value === ')') depth--;
    }
    return this.tokens.slice(start + 1, this.pos - 1) as Token[];
  }

  /** The statement text from token `from` to the current position. */
  source(from: number): string {
    const a = this.tokens[from];
    const b = this.tokens[this.pos - 1];
    return a === undefined || b === undefined
      ? ''
      : this.text.slice(a.start - (this.tokens[0]?.start ?? 0), b.end - (this.tokens[0]?.start ?? 0));
  }

  get position(): number {
    return this.pos;
  }

  end(): void {
    if (!this.atEnd()) this.fail();
  }
}
