/**
 * Per-run PAC state: downloaded scripts (per URL), WPAD discovery (once), compiled scripts
 * (per URL + text). WinINET also downloads a script once per session and reuses it, so a
 * probe of many URLs sees one consistent answer, and the lab's PAC server one request.
 */
import type { NetTransport } from '../transport.js';
import { fetchPacScript, type PacFetchResult } from './pac-fetch.js';
import { PacEngine } from './pac-engine.js';
import { parsePacResult, type PacResult } from './pac-result.js';
import { wpadHostCandidates, wpadUrl } from './wpad.js';

export interface PacRuntimeOptions {
  transport: NetTransport;
  /** Budget for one script download (DNS + connect + GET). */
  fetchTimeoutMs?: number;
  /** Budget for one FindProxyForURL call. */
  evalTimeoutMs?: number;
  myIpAddress?: string;
}

export type WpadDiscovery =
  | { ok: true; pacUrl: string; text: string; tried: { url: string; reason: string }[] }
  | { ok: false; tried: { url: string; reason: string }[] };

export type PacEvaluation = { ok: true; result: PacResult; raw: unknown } | { ok: false; reason: string };

export class PacRuntime implements Disposable {
  readonly transport: NetTransport;
  private readonly fetchTimeoutMs: number;
  private readonly engine: PacEngine;
  private readonly fetches = new Map<string, Promise<PacFetchResult>>();
  private wpad: Promise<WpadDiscovery> | undefined;

  constructor(opts: PacRuntimeOptions) {
    this.transport = opts.transport;
    this.fetchTimeoutMs = opts.fetchTimeoutMs ?? 5000;
    this.engine = new PacEngine({
      transport: opts.transport,
      ...(opts.evalTimeoutMs !== undefined ? { evalTimeoutMs: opts.evalTimeoutMs } : {}),
      ...(opts.myIpAddress !== undefined ? { myIpAddress: opts.myIpAddress } : {}),
    });
  }

  /** Scripts compiled so far. */
  get compiledCount(): number {
    return this.engine.compiledCount;
  }

  fetch(url: string): Promise<PacFetchResult> {
    let p = this.fetches.get(url);
    if (!p) {
      p = fetchPacScript(this.transport, url, this.fetchTimeoutMs);
      this.fetches.set(url, p);
    }
    return p;
  }

  discoverWpad(): Promise<WpadDiscovery> {
    this.wpad ??= (async () => {
      const tried: { url: string; reason: string }[] = [];
      for (const host of wpadHostCandidates(this.transport.dnsSuffixes)) {
        const url = wpadUrl(host);
        const r = await this.fetch(url);
        if (r.ok) return { ok: true as const, pacUrl: url, text: r.text, tried };
        tried.push({ url, reason: r.reason });
      }
      return { ok: false as const, tried };
    })();
    return this.wpad;
  }

  async evaluate(pacUrl: string, text: string, target: URL): Promise<PacEvaluation> {
    let raw: unknown;
    try {
      const compiled = await this.engine.compile(pacUrl, text);
      raw = await compiled.findProxyForUrl(target.href, target.hostname.replace(/^\[(.*)\]$/, '$1'));
    } catch (e) {
      return { ok: false, reason: e instanceof Error ? e.message : String(e) };
    }
    const result = parsePacResult(raw);
    if (result.candidates.length === 0) {
      const why = result.issues.length ? result.issues.join('; ') : `FindProxyForURL returned ${JSON.stringify(raw)}`;
      return { ok: false, reason: `nothing usable: ${why}` };
    }
    return { ok: true, result, raw };
  }

  dispose(): void {
    this.engine.dispose();
    this.fetches.clear();
    this.wpad = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
