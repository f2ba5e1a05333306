/**
 * The sensor updater's localhost TCP 444 listener on the simulated host, as a real socket on
 * 127.0.0.1 (an ephemeral port stands for 444: the lab binds no privileged port). Stopped, the
 * port is one that was bound and released, so a dial is really refused. The modelled host
 * firewall's drop is the caller's (windows-host.ts), as the in-process egress firewall's is:
 * a drop is a connection that never answers, which a user-space lab can only simulate.
 */
import net from 'node:net';
import { dialUpdaterPort, type UpdaterPortEvidence } from '../probe/host/updater-port.js';
import { UPDATER_PORT } from '../probe/host/updater-port.js';

export class SimulatedUpdater {
  private constructor(
    private readonly server: net.Server | undefined,
    private readonly port: number,
  ) {}

  static async start(running: boolean): Promise<SimulatedUpdater> {
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as net.AddressInfo).port;
    if (running) return new SimulatedUpdater(server, port);
    await new Promise<void>((r) => server.close(() => r()));
    return new SimulatedUpdater(undefined, port);
  }

  /** A real dial; the evidence names port 444, the port it stands for. */
  async dial(timeoutMs: number): Promise<UpdaterPortEvidence> {
    const e = await dialUpdaterPort(this.port, timeoutMs);
    return { ...e, port: UPDATER_PORT };
  }

  close(): void {
    this.server?.close();
  }
}
