/**
 * The baseline for the overhead benchmark: the least a client can do to stream an OpenAI
 * completion — one keep-alive node:http request, SSE split on blank lines, each `data:` line
 * JSON-parsed, first non-empty text = first token. Anything Tandem's offload path adds (the
 * openai SDK, its fetch adapter, retries, error mapping, chunk mapping) shows up against this.
 */
import http from 'node:http';
import https from 'node:https';

export interface StreamTiming {
  ttftMs: number;
  e2eMs: number;
  text: string;
}

export class BareStreamClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly apiKey = '',
  ) {
    this.base = new URL(baseUrl.replace(/\/+$/, '') + '/');
    this.agent = this.base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  /** POSTs `body` to `<base>/completions` (or `path`) and times the stream. */
  stream(body: Record<string, unknown>, path = 'completions'): Promise<StreamTiming> {
    const payload = JSON.stringify(body);
    const url = new URL(path, this.base);
    const transport = url.protocol === 'https:' ? https : http;
    const started = performance.now();
    return new Promise<StreamTiming>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
        accept: 'text/event-stream',
      };
      if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
      const req = transport.request(url, { method: 'POST', headers, agent: this.agent }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`bare client: HTTP ${res.statusCode ?? 0}`));
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        let text = '';
        let ttftMs = Number.NaN;
        let finished = false;
        const finish = (): void => {
          if (finished) return;
          finished = true;
          resolve({ ttftMs, e2eMs: performance.now() - started, text });
        };
        res.on('data', (data: string) => {
          buffer += data;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!event.startsWith('data: ')) continue;
            const data = event.slice(6);
            if (data === '[DONE]') return finish();
            const chunk = JSON.parse(data) as { choices?: Array<{ text?: string; delta?: { content?: string } }> };
            const delta = chunk.choices?.[0]?.text ?? chunk.choices?.[0]?.delta?.content ?? '';
            if (delta && Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
            text += delta;
          }
        });
        res.on('end', finish);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
