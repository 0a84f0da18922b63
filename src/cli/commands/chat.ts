import type { Command } from 'commander';
import { StrataError, type ChatMessage } from '../../core/index.js';
import { createStrata } from '../../strata.js';
import { createLogger } from '../../observe/index.js';
import { readStdin } from '../stdin.js';

interface ChatFlags {
  config?: string;
  route: string;
  system?: string;
  stream?: boolean;
  json?: boolean;
  temperature?: string;
  maxTokens?: string;
}

/** Adds `strata chat`: one chat request through the in-process gateway (same pipeline as the server). */
export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description('Send one chat message through the gateway in-process and print the answer')
    .argument('[message]', 'the user message (default: read from stdin)')
    .option('-c, --config <path>', 'strata.yaml (default: $STRATA_CONFIG, else built-in local defaults)')
    .option('-r, --route <name>', 'route or model alias', 'default')
    .option('-s, --system <text>', 'a system message to send first')
    .option('--stream', 'print tokens as they arrive')
    .option('--temperature <t>', 'sampling temperature (0–2)')
    .option('--max-tokens <n>', 'maximum tokens to generate')
    .option('--json', 'print the result and invocation metadata as JSON')
    .action(async (message: string | undefined, flags: ChatFlags) => {
      const text = message ?? (await readStdin());
      if (text.trim() === '') throw new StrataError('invalid_request', 'Nothing to send: give a message argument or pipe text on stdin.');
      const messages: ChatMessage[] = [];
      if (flags.system) messages.push({ role: 'system', content: flags.system });
      messages.push({ role: 'user', content: text });
      const params: { temperature?: number; maxTokens?: number } = {};
      if (flags.temperature !== undefined) {
        const t = Number(flags.temperature);
        if (!Number.isFinite(t) || t < 0 || t > 2) throw new StrataError('invalid_request', `--temperature must be a number from 0 to 2, got "${flags.temperature}".`);
        params.temperature = t;
      }
      if (flags.maxTokens !== undefined) {
        const n = Number(flags.maxTokens);
        if (!Number.isInteger(n) || n < 1) throw new StrataError('invalid_request', `--max-tokens must be a positive integer, got "${flags.maxTokens}".`);
        params.maxTokens = n;
      }
      // invocation log lines go to stderr so stdout carries only the answer
      const strata = await createStrata({ configPath: flags.config, logger: createLogger({ level: process.env.STRATA_LOG_LEVEL ?? 'warn', destination: process.stderr }), processMetrics: false });
      try {
        if (flags.stream && !flags.json) {
          const { chunks } = await strata.gateway.stream({ model: flags.route, messages, params });
          for await (const c of chunks) if (c.type === 'text') process.stdout.write(c.text);
          process.stdout.write('\n');
        } else {
          const { meta, result } = await strata.gateway.chat({ model: flags.route, messages, params });
          if (flags.json) process.stdout.write(`${JSON.stringify({ ...meta, text: result.text, toolCalls: result.toolCalls, finishReason: result.finishReason, usage: result.usage })}\n`);
          else process.stdout.write(`${result.text}\n`);
        }
      } finally {
        await strata.close();
      }
    });
}
