/** Writing CEL source text from TypeScript values. */

/** A CEL string literal (single-quoted, with backslashes and quotes escaped). */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
