/** Writes a benchmark's figures to bench/results/<name>-<date>.json, with the machine and date. */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export function recordResult(name: string, figures: Record<string, unknown>): void {
  const date = new Date().toISOString().slice(0, 10);
  const result = {
    date,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    ...figures,
  };
  const file = join(import.meta.dirname, 'results', `${name}-${date}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
  console.log(`recorded in ${file}`);
}
