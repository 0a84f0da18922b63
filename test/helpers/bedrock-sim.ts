import { startSimulator, type SimulatorHandle } from '../../src/load/simulator/index.js';

export const SONNET = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
export const SONNET_EU = 'eu.anthropic.claude-3-5-sonnet-20241022-v2:0';
export const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

/**
 * The Bedrock-protocol simulator on an ephemeral port. The AWS SDK's credential chain needs something to
 * sign with: dummy keys go into the environment unless real ones are there already.
 */
export function startBedrockSimulator(): Promise<SimulatorHandle> {
  process.env.AWS_ACCESS_KEY_ID ??= 'AKIDSIMULATOR';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'simulator-secret';
  return startSimulator({ protocol: 'bedrock', host: '127.0.0.1', port: 0 });
}
