/**
 * Runs PAC scripts with pac-resolver inside a QuickJS (WebAssembly) sandbox: the script gets
 * the PAC built-ins and nothing of the host. The built-ins that touch the network
 * (`dnsResolve`, `isResolvable`, `isInNet`, `myIpAddress`) are replaced by versions that use
 * the injected transport, so a lab PAC sees the lab's DNS and a probe never leaks lookups.
 *
 * Each compiled script owns one QuickJS VM; scripts are cached per (url, text) so probing
 * many URLs compiles once. Calls into one VM are serialised: the deadline that interrupts a
 * runaway script belongs to the VM, not to a call.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { createPacResolver } from 'pac-resolver';
import { QuickJS } from 'quickjs-wasi';
import { AtpNetlabError } from '../errors.js';
import type { NetTransport } from '../transport.js';
import { withDeadline } from './pac-fetch.js';

let wasmModule: Promise<WebAssembly.Module> | undefined;

function loadQuickJsModule(): Promise<WebAssembly.Module> {
  wasmModule ??= (async () => {
    const file = createRequire(import.meta.url).resolve('quickjs-wasi/quickjs.wasm');
    return WebAssembly.compile(await readFile(file));
  })();
  return wasmModule;
}

export interface PacEngineOptions {
  transport: NetTransport;
  /** Wall-clock budget of one FindProxyForURL call, DNS lookups included. */
  evalTimeoutMs?: number;
  /** What `myIpAddress()` returns; the transport knows no local address. */
  myIpAddress?: string;
  /** QuickJS heap limit per script. */
  memoryLimitBytes?: number;
}

export interface CompiledPac {
  /** Raw FindProxyForURL result; rejects when the script throws or runs out of time. */
  findProxyForUrl(url: string, host: string): Promise<unknown>;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export class PacEngine {
  private readonly cache = new Map<string, Promise<CompiledPac>>();
  private readonly vms: QuickJS[] = [];
  private readonly evalTimeoutMs: number;

  constructor(private readonly opts: PacEngineOptions) {
    this.evalTimeoutMs = opts.evalTimeoutMs ?? 2000;
  }

  /** Compiles (or returns the cached) script; fails with ATPNL_PAC on syntax errors or a missing FindProxyForURL. */
  compile(url: string, text: string): Promise<CompiledPac> {
    const key = `${url}\u0000${text}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.build(url, text);
      this.cache.set(key, p);
    }
    return p;
  }

  /** Number of scripts compiled so far (tests check the cache with it). */
  get compiledCount(): number {
    return this.cache.size;
  }

  private sandbox() {
    const { transport } = this.opts;
    const lookupV4 = async (host: string): Promise<string | null> => {
      if (typeof host !== 'string' || host === '') return null;
      if (net.isIPv4(host)) return host;
      try {
        const addrs = await withDeadline(transport.lookup(host), this.evalTimeoutMs, `dnsResolve(${host})`);
        return addrs.find((a) => net.isIPv4(a)) ?? null;
      } catch {
        return null;
      }
    };
    const myIp = this.opts.myIpAddress ?? '127.0.0.1';
    return {
      alert: () => undefined,
      dnsResolve: async (host: string) => lookupV4(host),
      isResolvable: async (host: string) => (await lookupV4(host)) !== null,
      myIpAddress: async () => myIp,
      isInNet: async (host: string, pattern: string, mask: string) => {
        const ip = await lookupV4(host);
        if (ip === null || !net.isIPv4(pattern) || !net.isIPv4(mask)) return false;
        const m = ipv4ToInt(mask);
        return (ipv4ToInt(ip) & m) >>> 0 === (ipv4ToInt(pattern) & m) >>> 0;
      },
    };
  }

  private async build(url: string, text: string): Promise<CompiledPac> {
    let deadline = Number.POSITIVE_INFINITY;
    let ticks = 0;
    const vm = await QuickJS.create({
      wasm: await loadQuickJsModule(),
      memoryLimit: this.opts.memoryLimitBytes ?? 32 * 1024 * 1024,
      // Called per bytecode instruction: only look at the clock now and then.
      interruptHandler: () => (++ticks & 0x3ff) === 0 && Date.now() > deadline,
    });
    this.vms.push(vm);
    let resolver: (u: string, host: string) => Promise<string>;
    deadline = Date.now() + this.evalTimeoutMs;
    try {
      resolver = createPacResolver(vm, text, { filename: url, sandbox: this.sandbox() });
    } catch (e) {
      throw new AtpNetlabError('ATPNL_PAC', `PAC script from ${url} does not compile: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
    } finally {
      deadline = Number.POSITIVE_INFINITY;
    }
    let queue: Promise<unknown> = Promise.resolve();
    return {
      findProxyForUrl: (target, host) => {
        const run = queue.then(async () => {
          deadline = Date.now() + this.evalTimeoutMs;
          try {
            return await withDeadline(resolver(target, host), this.evalTimeoutMs, 'FindProxyForURL');
          } finally {
            deadline = Number.POSITIVE_INFINITY;
          }
        });
        queue = run.catch(() => undefined);
        return run;
      },
    };
  }

  dispose(): void {
    for (const vm of this.vms.splice(0)) vm.dispose();
    this.cache.clear();
  }
}
