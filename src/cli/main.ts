#!/usr/bin/env node
/** The `doris-operator` command: manager, webhook, crds. */
import { Command } from 'commander';
import { managerCommand } from './manager.ts';

const program = new Command('doris-operator')
  .description('Kubernetes operator for Apache Doris')
  .showHelpAfterError()
  .addCommand(managerCommand());

await program.parseAsync(process.argv);
