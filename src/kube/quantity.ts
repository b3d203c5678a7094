/** Kubernetes resource quantities ("10Gi", "500m", "1e3") as numbers, for comparisons. */

const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimal: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const pattern = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;

/** Parses a quantity; returns undefined when the text is not one. */
export function parseQuantity(text: string | number): number | undefined {
  if (typeof text === 'number') return text;
  const m = pattern.exec(text.trim());
  if (m === null) return undefined;
  const value = Number(m[1]);
  if (m[2] !== undefined) return value * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return value * (binary[suffix] ?? decimal[suffix] ?? 1);
}

export function isQuantity(text: string): boolean {
  return parseQuantity(text) !== undefined;
}

/** Compares two quantities: negative when a < b, 0 when equal, positive when a > b. */
export function compareQuantities(a: string | number, b: string | number): number {
  const x = parseQuantity(a);
  const y = parseQuantity(b);
  if (x === undefined || y === undefined) throw new Error(`cannot compare quantities ${a} and ${b}`);
  return x - y;
}
