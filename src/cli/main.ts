#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { isStrataError } from '../core/index.js';
type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when needed: `strata keys …` should not pay for importing the server,
 * the AWS SDKs and the RAG and guardrail code (about two CPU-seconds under tsx). Order = order in --help.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  serve: async () => (await import('./commands/serve.js')).registerServeCommand,
  chat: async () => (await import('./commands/chat.js')).registerChatCommand,
  models: async () => (await import('./commands/models.js')).registerModelsCommand,
  simulate: async () => (await import('../load/simulator/index.js')).registerSimulateCommand,
  usage: async () => (await import('./commands/usage.js')).registerUsageCommand,
  experiments: async () => (await import('./commands/experiments.js')).registerExperimentsCommand,
  keys: async () => (await import('./commands/keys.js')).registerKeysCommand,
  prompts: async () => (await import('./commands/prompts.js')).registerPromptsCommand,
  kb: async () => (await import('./commands/kb.js')).registerKbCommand,
  guard: async () => (await import('./commands/guard.js')).registerGuardCommand,
};

/** Builds the `strata` command tree: only `command` when it names one, else every command (for help and errors). */
export async function buildProgram(command?: string): Promise<Command> {
  const program = new Command();
  program
    .name('strata')
    .description('Strata: the production layer for LLM applications on Amazon Bedrock and OpenAI-compatible servers')
    .version('0.1.0')
    .showSuggestionAfterError(true);
  const names = command !== undefined && Object.hasOwn(COMMANDS, command) ? [command] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((n) => COMMANDS[n]!()));
  for (const register of registers) register(program);
  return program;
}

async function main(): Promise<void> {
  const program = await buildProgram(process.argv[2]);
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
