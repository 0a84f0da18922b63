import http from 'node:http';
import https from 'node:https';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const clients = new Map<string, BedrockRuntimeClient>();

/** Region from options, then AWS_REGION, AWS_DEFAULT_REGION, else us-east-1. */
export function resolveRegion(region?: string): string {
  return region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/** Endpoint from options, else STRATA_BEDROCK_ENDPOINT (a VPC endpoint or the simulator), else AWS's own. */
export function resolveEndpoint(endpoint?: string): string | undefined {
  const e = endpoint ?? process.env.STRATA_BEDROCK_ENDPOINT;
  return e === undefined || e === '' ? undefined : e;
}

/**
 * One BedrockRuntimeClient per (region, endpoint), shared by every model on it so they share the
 * connection pool.
 *
 * Credentials come from the standard AWS chain (env, profile, SSO, instance/container roles).
 * Against the simulator no real credentials are needed, but the chain still needs *some*: tests set
 * dummy AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. None are ever hard-coded here.
 */
export function bedrockClientFor(region: string, endpoint: string | undefined): BedrockRuntimeClient {
  const key = `${region}\n${endpoint ?? ''}`;
  let client = clients.get(key);
  if (client === undefined) {
    client = new BedrockRuntimeClient({
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      // The gateway owns retries, backoff and fallback; SDK retries would multiply them.
      maxAttempts: 1,
      // HTTP/1.1 with keep-alive works against http:// endpoints (the simulator, proxies) and
      // avoids one HTTP/2 session bottlenecking many concurrent streams.
      requestHandler: new NodeHttpHandler({
        httpAgent: new http.Agent({ keepAlive: true, maxSockets: 256 }),
        httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 256 }),
      }),
    });
    clients.set(key, client);
  }
  return client;
}

/** Destroys every cached client (tests, shutdown). */
export function closeBedrockClients(): void {
  for (const c of clients.values()) c.destroy();
  clients.clear();
}
