/**
 * A line channel into a running component container, over the stdin and stdout of its
 * attached `docker run -i`: how the engine tells a lab cloud in a container about more sensor
 * certificates (a load run's fleet) and knows it has them before the sensors dial.
 *
 *   engine ──{"id":1,"op":"enroll","thumbprints":[…]}\n──▶ stdin ──▶ component-main
 *   engine ◀──"atp-netlab component answer {"id":1,"ok":true,"enrolled":500}"\n── stdout
 *   engine ──{"id":2,"op":"records"}\n──▶ … ◀── {"id":2,"ok":true,"records":[…]} (the component's own records)
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { AtpNetlabError } from '../../errors.js';
import { LineBuffer } from './line-buffer.js';

export const CHANNEL_ANSWER_PREFIX = 'atp-netlab component answer ';
/** A request line never exceeds this (2,000 sensors × a 64-hex thumbprint fit well inside). */
const MAX_REQUEST_BYTES = 1024 * 1024;
const ANSWER_TIMEOUT_MS = 15_000;

export type ChannelRequest = { id: number; op: 'enroll'; thumbprints: string[] } | { id: number; op: 'records' };
export type ChannelAnswer = { id: number; ok: true; enrolled?: number; records?: object[] } | { id: number; ok: false; error: string };

/** What a started component may do on request. */
export interface ChannelTarget {
  enroll?(thumbprints: Iterable<string>): void;
  readonly records: readonly object[];
}

/** Container side: answer each request line of `input` on `write`. */
export function serveChannel(target: ChannelTarget, input: Readable, write: (line: string) => void): void {
  const lines = new LineBuffer(MAX_REQUEST_BYTES);
  input.setEncoding('utf8');
  input.on('data', (d: string) => {
    for (const line of lines.push(d)) if (line.trim()) write(`${CHANNEL_ANSWER_PREFIX}${JSON.stringify(answer(target, line))}\n`);
  });
}

function answer(target: ChannelTarget, line: string): ChannelAnswer {
  let req: Partial<{ id: number; op: string; thumbprints: unknown }>;
  try {
    req = JSON.parse(line) as typeof req;
  } catch {
    return { id: -1, ok: false, error: 'not a JSON line' };
  }
  const id = typeof req.id === 'number' ? req.id : -1;
  if (req.op === 'records') return { id, ok: true, records: [...target.records] };
  if (req.op !== 'enroll' || !Array.isArray(req.thumbprints)) return { id, ok: false, error: 'unknown request: op must be enroll (with thumbprints) or records' };
  if (!target.enroll) return { id, ok: false, error: 'this component enrolls no sensors' };
  target.enroll(req.thumbprints.filter((t): t is string => typeof t === 'string'));
  return { id, ok: true, enrolled: req.thumbprints.length };
}

/** Engine side: requests to one container, answers read from its stdout (push every chunk). */
export class ComponentChannel {
  private readonly lines = new LineBuffer();
  private nextId = 0;
  private readonly pending = new Map<number, (a: ChannelAnswer) => void>();

  constructor(
    private readonly container: string,
    private readonly child: () => ChildProcess | undefined,
  ) {}

  push(chunk: string): void {
    for (const line of this.lines.push(chunk)) {
      if (!line.startsWith(CHANNEL_ANSWER_PREFIX)) continue;
      const a = JSON.parse(line.slice(CHANNEL_ANSWER_PREFIX.length)) as ChannelAnswer;
      this.pending.get(a.id)?.(a);
      this.pending.delete(a.id);
    }
  }

  async enroll(thumbprints: readonly string[]): Promise<void> {
    await this.request({ op: 'enroll', thumbprints: [...thumbprints] });
  }

  async records(): Promise<object[]> {
    return (await this.request({ op: 'records' })).records ?? [];
  }

  private async request(body: { op: 'enroll'; thumbprints: string[] } | { op: 'records' }): Promise<Extract<ChannelAnswer, { ok: true }>> {
    const stdin = this.child()?.stdin;
    if (!stdin) throw new AtpNetlabError('ATPNL_INTERNAL', `docker engine: container ${this.container} has no request channel`);
    const id = ++this.nextId;
    const a = await new Promise<ChannelAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AtpNetlabError('ATPNL_INTERNAL', `docker engine: container ${this.container} did not answer the ${body.op} request within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      this.pending.set(id, (x) => {
        clearTimeout(timer);
        resolve(x);
      });
      stdin.write(JSON.stringify({ id, ...body } satisfies ChannelRequest) + '\n');
    });
    if (!a.ok) throw new AtpNetlabError('ATPNL_INTERNAL', `docker engine: container ${this.container} refused the ${body.op} request: ${a.error}`);
    return a;
  }
}
