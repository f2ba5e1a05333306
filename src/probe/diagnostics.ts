/**
 * Probe events on diagnostics_channel (like undici): subscribers (tests, a verbose CLI) see
 * every CONNECT answer and outcome without the probe logging anything itself.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

export const PROBE_CHANNELS = {
  'connect-response': diagnosticsChannel.channel('atp-netlab:probe:connect-response'),
  outcome: diagnosticsChannel.channel('atp-netlab:probe:outcome'),
} as const;

export function emitProbeEvent(name: keyof typeof PROBE_CHANNELS, message: object): void {
  const ch = PROBE_CHANNELS[name];
  if (ch.hasSubscribers) ch.publish(message);
}
