/**
 * The test command: builds the control plane binaries if needed, starts one shared control plane,
 * runs every unit, integration and end-to-end test file with node's test runner, and stops
 * everything it started, whatever happens. Arguments narrow the files (`npm test -- test/e2e`).
 */
import { spawn } from 'node:child_process';
import { globSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ControlPlane, ensureBinaries } from './support/control-plane.ts';
import { startSimulator } from './support/doris/index.ts';

const root = resolve(import.meta.dirname, '..');
const filters = process.argv.slice(2);
const files = globSync(['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'], { cwd: root })
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

const binDir = ensureBinaries();
const started = performance.now();
const cp = await ControlPlane.start({ binDir });
console.log(
  `control plane up in ${((performance.now() - started) / 1000).toFixed(1)} s at ${cp.info.server}`,
);
const envFile = join(cp.info.dir, 'env.json');
writeFileSync(envFile, JSON.stringify(cp.info));
// One Doris simulator for the whole run: Running pods of the Doris images answer as Doris processes.
const simulator = await startSimulator({ kubeconfigPath: cp.info.kubeconfigPath }).catch(async (err) => {
  await cp.stop();
  throw err;
});

const runner = spawn(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    '--test-timeout=600000',
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DORIS_TEST_ENV: envFile, DORIS_SIMULATOR_URL: simulator.url },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    runner.kill(signal);
  });
}
const code = await new Promise<number>((done) => runner.once('exit', (c, s) => done(c ?? (s ? 1 : 0))));
// On failure the folder stays, so the component logs named here can be read.
if (code !== 0) console.error(`control plane logs (kept):\n${cp.describeLogs()}`);
await simulator.stop();
await cp.stop(code !== 0);
process.exit(code);
