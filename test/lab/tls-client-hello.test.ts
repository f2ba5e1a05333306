import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { peekClientHello } from '../../src/lab/tls-client-hello.js';

/** Capture the first bytes a real node TLS client sends (its ClientHello). */
async function captureClientHello(opts: tls.ConnectionOptions): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const got = new Promise<Buffer>((resolve) => {
      server.once('connection', (s) => {
        let buf = Buffer.alloc(0);
        s.on('data', (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          if (peekClientHello(buf).status !== 'need-more') {
            resolve(buf);
            s.destroy();
          }
        });
      });
    });
    const c = tls.connect({ host: '127.0.0.1', port, ...opts });
    c.on('error', () => undefined);
    const hello = await got;
    c.destroy();
    return hello;
  } finally {
    server.close();
  }
}

/** A hand-made ClientHello with a given SNI, split into records of `recordSize` bytes. */
function makeHello(sni: string | null, recordSize = 16_384): Buffer {
  const exts: Buffer[] = [];
  if (sni !== null) {
    const name = Buffer.from(sni, 'latin1');
    const entry = Buffer.concat([Buffer.from([0]), u16(name.length), name]);
    const list = Buffer.concat([u16(entry.length), entry]);
    exts.push(Buffer.concat([u16(0), u16(list.length), list]));
  }
  const extBytes = Buffer.concat(exts);
  const body = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    u16(2),
    u16(0x002f),
    Buffer.from([1, 0]),
    u16(extBytes.length),
    extBytes,
  ]);
  const hs = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  const records: Buffer[] = [];
  for (let i = 0; i < hs.length; i += recordSize) {
    const frag = hs.subarray(i, i + recordSize);
    records.push(Buffer.concat([Buffer.from([22, 3, 1]), u16(frag.length), frag]));
  }
  return Buffer.concat(records);
}
const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
const u24 = (n: number) => Buffer.from([n >> 16, (n >> 8) & 0xff, n & 0xff]);

describe('peekClientHello', () => {
  it('reads the SNI, ALPN and supported versions of a real node ClientHello', async () => {
    const hello = await captureClientHello({ servername: 'ContosoATPsensorapi.atp.azure.com', ALPNProtocols: ['http/1.1'] });
    const p = peekClientHello(hello);
    expect(p.status).toBe('ok');
    if (p.status !== 'ok') return;
    expect(p.hello.sni).toBe('contosoatpsensorapi.atp.azure.com');
    expect(p.hello.alpn).toEqual(['http/1.1']);
    expect(p.hello.supportedVersions).toContain('TLSv1.3');
    expect(p.hello.helloVersion).toBe('TLSv1.2');
  });

  it('reports no SNI when the client sent none (connection by IP address)', async () => {
    const hello = await captureClientHello({});
    const p = peekClientHello(hello);
    expect(p).toMatchObject({ status: 'ok', hello: { sni: null } });
  });

  it('asks for more bytes on every strict prefix, and is ok on the whole', async () => {
    const hello = await captureClientHello({ servername: 'a.atp.azure.com' });
    for (let n = 0; n < hello.length; n++) expect(peekClientHello(hello.subarray(0, n)).status).toBe('need-more');
    expect(peekClientHello(hello).status).toBe('ok');
  });

  it('reassembles a ClientHello split across several TLS records', () => {
    const whole = makeHello('split.atp.azure.com', 16_384);
    const split = makeHello('split.atp.azure.com', 7);
    expect(peekClientHello(whole)).toMatchObject({ status: 'ok', hello: { sni: 'split.atp.azure.com' } });
    expect(peekClientHello(split)).toMatchObject({ status: 'ok', hello: { sni: 'split.atp.azure.com' } });
  });

  it('says not-tls for plain text (a CONNECT tunnel carrying HTTP)', () => {
    expect(peekClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')).status).toBe('not-tls');
    expect(peekClientHello(Buffer.from([22, 9, 9, 0, 5])).status).toBe('not-tls');
  });

  it('says malformed when a length runs past the message', () => {
    const h = makeHello('x.example');
    // Corrupt the extensions length (last field before the extension block) to be huge.
    const bad = Buffer.from(h);
    const extLenPos = 5 + 4 + 2 + 32 + 1 + 2 + 2 + 2;
    bad.writeUInt16BE(0xfff0, extLenPos);
    expect(peekClientHello(bad)).toMatchObject({ status: 'malformed' });
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const r = peekClientHello(Buffer.from(bytes));
        expect(['need-more', 'not-tls', 'malformed', 'ok']).toContain(r.status);
      }),
      { numRuns: 2_000 },
    );
    // Mutations of a valid hello: still never a throw.
    const base = makeHello('fuzz.atp.azure.com');
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.nat(255), (pos, v) => {
        const b = Buffer.from(base);
        b[pos] = v;
        peekClientHello(b);
      }),
      { numRuns: 2_000 },
    );
  });
});
