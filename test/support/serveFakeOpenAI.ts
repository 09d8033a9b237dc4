/**
 * The tests' OpenAI-compatible server as a standalone process, so `npm start`, `tandem bench`
 * and `tandem report` can be tried against an offload endpoint on a machine without a GPU:
 *
 *   npm run fake-offload -- --port 8089 --flavor llamacpp --ttft-ms 120 --token-ms 15
 *   TANDEM_OFFLOAD_URL=http://127.0.0.1:8089/v1 npm start
 *
 * It answers with deterministic text derived from the prompt (not a model): figures measured
 * against it describe Tandem's client path and the scripted delays, not a real model's quality.
 */
import { parseArgs } from 'node:util';
import { FakeOpenAIServer, type FakeServerFlavor } from './fakeOpenAIServer';

const FLAVORS: readonly FakeServerFlavor[] = ['vllm', 'llamacpp', 'ollama', 'tgi', 'openai'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8089' },
      flavor: { type: 'string', default: 'vllm' },
      'ttft-ms': { type: 'string', default: '0' },
      'token-ms': { type: 'string', default: '0' },
    },
  });
  const flavor = values.flavor as FakeServerFlavor;
  if (!FLAVORS.includes(flavor)) throw new Error(`--flavor must be one of ${FLAVORS.join(', ')}`);
  const server = await FakeOpenAIServer.start({
    flavor,
    port: nonNegative('port', values.port),
    firstTokenDelayMs: nonNegative('ttft-ms', values['ttft-ms']),
    tokenDelayMs: nonNegative('token-ms', values['token-ms']),
  });
  console.log(`Fake ${flavor} server (deterministic text, not a model) at ${server.baseUrl}`);
  console.log(`Try: TANDEM_OFFLOAD_URL=${server.baseUrl} npm start`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function nonNegative(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
