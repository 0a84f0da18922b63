#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isStrataError } from '../core/index.js';
import { registerSimulateCommand } from '../load/simulator/index.js';
import { registerChatCommand } from './commands/chat.js';
import { registerKeysCommand } from './commands/keys.js';
import { registerModelsCommand } from './commands/models.js';
import { registerPromptsCommand } from './commands/prompts.js';
import { registerServeCommand } from './commands/serve.js';
import { registerUsageCommand } from './commands/usage.js';
import { registerExperimentsCommand } from './commands/experiments.js';
import { registerKbCommand } from './commands/kb.js';
import { registerGuardCommand } from './commands/guard.js';

/** Builds the `strata` command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('strata')
    .description('Strata: the production layer for LLM applications on Amazon Bedrock and OpenAI-compatible servers')
    .version('0.1.0')
    .showSuggestionAfterError(true);
  registerServeCommand(program);
  registerChatCommand(program);
  registerModelsCommand(program);
  registerSimulateCommand(program);
  registerUsageCommand(program);
  registerExperimentsCommand(program);
  registerKeysCommand(program);
  registerPromptsCommand(program);
  registerKbCommand(program);
  registerGuardCommand(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      process.exitCode = e.exitCode;
      return;
    }
    if (isStrataError(e)) {
      process.stderr.write(`strata: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`strata: unexpected error: ${message}\n`);
    process.exitCode = 1;
  }
}

await main();
