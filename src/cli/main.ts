#!/usr/bin/env node
/** The `doris-operator` command: manager, webhook, crds. */
import { Command } from 'commander';
import { crdsCommand } from './crds.ts';
import { managerCommand } from './manager.ts';
import { webhookCommand } from './webhook.ts';

const program = new Command('doris-operator')
  .description('Kubernetes operator for Apache Doris')
  .showHelpAfterError()
  .addCommand(managerCommand())
  .addCommand(webhookCommand())
  .addCommand(crdsCommand());

await program.parseAsync(process.argv);
