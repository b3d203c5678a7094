/**
 * Runs the Doris simulator on its own against a control plane:
 *
 *   npx node test/support/doris/main.ts --kubeconfig ~/.kube/config [--port 7070] [--real-time]
 *
 * Prints the control API's URL (and writes it to --url-file when given), then serves until
 * SIGINT or SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { startSimulator } from './index.ts';
import { realTiming } from './timing.ts';

const program = new Command('doris-simulator')
  .description('Make Running pods of the official apache/doris images behave like Doris processes')
  .requiredOption('--kubeconfig <path>', 'kubeconfig of the control plane to watch')
  .option('--port <port>', 'control API port on 127.0.0.1 (0: any free port)', '0')
  .option('--url-file <path>', 'write the control API URL to this file once serving')
  .option('--real-time', "use Doris's real periods (5 s heartbeats, 60 s entrypoint waits)", false)
  .parse();

const opts = program.opts<{ kubeconfig: string; port: string; urlFile?: string; realTime: boolean }>();
const running = await startSimulator({
  kubeconfigPath: opts.kubeconfig,
  controlPort: Number(opts.port),
  ...(opts.realTime ? { timing: realTiming } : {}),
});
console.log(running.url);
if (opts.urlFile !== undefined) writeFileSync(opts.urlFile, running.url);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void running.stop().then(() => process.exit(0));
  });
}
