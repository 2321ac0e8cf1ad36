/**
 * A stand-in model provider for the model-*.int.spec.ts files (not a spec itself): a real HTTP
 * server on 127.0.0.1 that speaks both APIs, OpenAI's chat completions (`/v1/chat/completions`)
 * and Anthropic's Messages (`/v1/messages`). What it does is chosen by the request's `model`:
 *
 *   plain     answers "Noted (<n>): <first words of the last message>", 1000 in / 200 out tokens
 *   task      answers with front matter creating a task for legal
 *   badfm     answers with front matter the daemon refuses (priority: urgent)
 *   limited   the first request gets 429 with retry-after: 1, then as plain
 *   broken    always 500 with the provider's error text "upstream exploded"
 *   slow      the first request is answered after 3 s (past the request timeout), then as plain
 *   garbled   the first request gets a 200 with a torn JSON body, then as plain
 *   refused   always 401 "Incorrect API key provided"
 *
 * Every request is recorded (path, headers, parsed body).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; system?: string; messages: Array<{ role: string; content: string }> };
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
  delayMs?: number;
}

function answer(anthropic: boolean, text: string): Reply {
  const body = anthropic
    ? {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 1000, output_tokens: 200 },
      }
    : {
        id: 'chatcmpl-1',
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1000, completion_tokens: 200, total_tokens: 1200 },
      };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

function error(
  anthropic: boolean,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Reply {
  const body = anthropic ? { type: 'error', error: { type, message } } : { error: { message, type, code: null } };
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export class Provider {
  readonly requests: Recorded[] = [];
  private readonly counts = new Map<string, number>();
  private server: http.Server | null = null;
  url = '';

  private reply(r: Recorded): Reply {
    const anthropic = r.path.endsWith('/messages');
    const n = (this.counts.get(r.body.model) ?? 0) + 1;
    this.counts.set(r.body.model, n);
    const last = r.body.messages.at(-1)?.content ?? '';
    const plain = answer(anthropic, `Noted (${n}): ${last.trim().split('\n').at(-1)!.slice(0, 40)}`);
    switch (r.body.model) {
      case 'task':
        return answer(
          anthropic,
          '---\nto: legal\nkind: task\nsubject: Draft the reply\n---\nPlease draft the reply to maya.',
        );
      case 'badfm':
        return answer(anthropic, '---\nto: legal\npriority: urgent\n---\nThis priority does not exist.');
      case 'limited':
        return n === 1
          ? error(anthropic, 429, 'rate_limit_error', 'Rate limit reached', { 'retry-after': '1' })
          : plain;
      case 'broken':
        return error(anthropic, 500, 'api_error', 'upstream exploded');
      case 'slow':
        return n === 1 ? { ...plain, delayMs: 3000 } : plain;
      case 'garbled':
        return n === 1
          ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"choices": [{"message": ' }
          : plain;
      case 'refused':
        return error(anthropic, 401, 'authentication_error', 'Incorrect API key provided');
      default:
        return plain;
    }
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let data = '';
      req.setEncoding('utf8').on('data', (d: string) => (data += d));
      req.on('end', () => {
        const r: Recorded = { path: req.url ?? '', headers: req.headers, body: JSON.parse(data || '{}') };
        this.requests.push(r);
        const reply = this.reply(r);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(reply.status, reply.headers ?? {});
          res.end(reply.body);
        };
        if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this.url;
  }

  of(model: string): Recorded[] {
    return this.requests.filter((r) => r.body.model === model);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
