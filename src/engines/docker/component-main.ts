/**
 * Entry point of a component container: start the one component /lab/spec.json names, with
 * a ComponentEnvironment over the container's real network (its own address on the lab's
 * internal network, the planned ports bound for real: root in its own namespace), print
 * READY_LINE, and stop on SIGTERM. The same component kinds as in process; their records go
 * to the engine through a mounted folder (records-file.ts).
 */
import fs from 'node:fs';
import type net from 'node:net';
import type { ComponentEnvironment } from '../../lab/component-environment.js';
import { componentKind } from '../../lab/kinds/index.js';
import { LabPki } from '../../pki/index.js';
import { tcpConnect } from '../../transport.js';
import { listenOn } from '../inproc/address-block.js';
import { serveChannel, type ChannelTarget } from './component-channel.js';
import { PKI_MOUNT, READY_LINE, SPEC_PATH, type ComponentSpec } from './component-spec.js';
import { publishRecords, RECORDS_MOUNT } from './records-file.js';

export function environmentFromSpec(spec: ComponentSpec, pki: LabPki): ComponentEnvironment {
  const dns = new Map(spec.dns.map(([n, a]) => [n.toLowerCase(), a]));
  const names = new Map<string, string>();
  if (spec.hostAddress) names.set(spec.hostAddress, 'windows-host');
  for (const [name, ep] of Object.entries(spec.endpoints)) if (!names.has(ep.address)) names.set(ep.address, name);
  return {
    name: spec.component.name,
    address: spec.address,
    pki,
    resolve: (host) => dns.get(host.toLowerCase().replace(/\.$/, '')),
    dnsTable: () => spec.dns,
    connect: (address, port, opts) => tcpConnect(address, port, opts, spec.address),
    listen: async (server: net.Server, port: number, what: string) => {
      const got = await listenOn(server, spec.address, port, what);
      if (got === 'EACCES') throw new Error(`${what}: cannot bind ${spec.address}:${port} in its container`);
      return got;
    },
    whoIs: (a) => names.get(a.replace(/^::ffff:/, '')) ?? a,
    endpointOf: (name) => spec.endpoints[name],
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(fs.readFileSync(SPEC_PATH, 'utf8')) as ComponentSpec;
  const kind = componentKind(spec.component.type);
  if (!kind) throw new Error(`no component kind ${spec.component.type}`);
  const pki = await LabPki.load(PKI_MOUNT);
  const started = await kind.start(kind.schema.parse(spec.component.definition), environmentFromSpec(spec, pki));
  const lastRecords = fs.existsSync(RECORDS_MOUNT) ? publishRecords(() => started.records, RECORDS_MOUNT) : () => undefined;
  process.stdout.write(`${READY_LINE}: ${spec.component.name} on ${spec.address}:${started.port}\n`);
  // Started with -i (a lab cloud): the engine's requests come on stdin (component-channel.ts).
  if (!process.stdin.isTTY) serveChannel(started as ChannelTarget, process.stdin, (line) => process.stdout.write(line));
  const stop = () => void started.stop().finally(() => {
    lastRecords();
    process.exit(0);
  });
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`component failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
