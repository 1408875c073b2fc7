import { orientFlows, portClass, serverSideFromFlags, type PortHints } from '#shared/flows/direction';
import type { FlowRecord } from '#shared/flows/types';

const T = Date.parse('2024-05-01T10:00:00Z');

function rec(src: string, srcPort: number, dst: string, dstPort: number, bytes: number, extra: Partial<FlowRecord> = {}): FlowRecord {
  return { src, dst, srcPort, dstPort, protocol: 'TCP', bytes, packets: 1, start: T, end: T + 60_000, action: 'ACCEPT', oriented: false, ...extra };
}

const listening = (served: Record<string, number[]>): PortHints => ({
  listens: (ip, port) => served[ip]?.includes(port) ?? false,
});

describe('tcp-flags', () => {
  it.each([
    [2, 'dst'],
    [3, 'dst'],
    [18, 'src'],
    [19, 'src'],
    [1, undefined],
    [0, undefined],
    [undefined, undefined],
  ])('flags %s say the server is the record %s', (flags, side) => {
    expect(serverSideFromFlags(flags)).toBe(side);
  });

  it('a SYN-ACK record orients the connection even when the server port is ephemeral and the client port is lower', () => {
    // The reply, seen alone: 10.0.0.9:50051 -> 10.0.0.5:33000 with SYN-ACK.
    const [f] = orientFlows([rec('10.0.0.9', 50051, '10.0.0.5', 33000, 900, { tcpFlags: 19 })]);
    expect(f).toMatchObject({ client: '10.0.0.5', server: '10.0.0.9', port: 50051, bytesSent: 0, bytesReceived: 900, inferredBy: 'tcp-flags' });
  });

  it('conflicting flags fall through to the next evidence', () => {
    const flows = orientFlows([
      rec('10.0.0.5', 40000, '10.0.0.9', 443, 100, { tcpFlags: 2 }),
      rec('10.0.0.9', 443, '10.0.0.5', 40000, 100, { tcpFlags: 2 }),
    ]);
    expect(flows.every((f) => f.inferredBy === 'port-class' && f.port === 443)).toBe(true);
  });
});

describe('inventory ports', () => {
  it('picks the side that serves the port, not the lower port (gRPC on 50051, client on 33000)', () => {
    const hints = listening({ '10.0.0.9': [50051] });
    const flows = orientFlows([rec('10.0.0.5', 33000, '10.0.0.9', 50051, 1200), rec('10.0.0.9', 50051, '10.0.0.5', 33000, 300)], hints);
    expect(flows).toHaveLength(2);
    expect(flows.every((f) => f.client === '10.0.0.5' && f.server === '10.0.0.9' && f.port === 50051 && f.inferredBy === 'inventory')).toBe(true);
    expect(flows.reduce((n, f) => n + f.bytesSent, 0)).toBe(1200);
    expect(flows.reduce((n, f) => n + f.bytesReceived, 0)).toBe(300);
  });

  it('without the inventory the same records would be guessed wrongly by port range', () => {
    const [f] = orientFlows([rec('10.0.0.5', 33000, '10.0.0.9', 50051, 1200)]);
    expect(f).toMatchObject({ server: '10.0.0.5', port: 33000, inferredBy: 'lower-port' });
  });
});

describe('fan-in within a batch', () => {
  it('the endpoint talking to many peer endpoints is the server', () => {
    const records = [
      rec('10.0.0.1', 40001, '10.0.0.9', 45000, 10),
      rec('10.0.0.2', 40002, '10.0.0.9', 45000, 10),
      rec('10.0.0.9', 45000, '10.0.0.3', 40003, 10),
    ];
    const flows = orientFlows(records);
    expect(flows.every((f) => f.server === '10.0.0.9' && f.port === 45000 && f.inferredBy === 'fan-in')).toBe(true);
    expect(flows.find((f) => f.client === '10.0.0.3')?.bytesReceived).toBe(10);
  });
});

describe('port ranges as the last resort', () => {
  it.each([
    [22, 0],
    [1023, 0],
    [1024, 1],
    [32767, 1],
    [32768, 2],
    [60999, 2],
  ])('port %i is class %i', (port, cls) => expect(portClass(port)).toBe(cls));

  it('registered beats ephemeral, whichever side is lower', () => {
    const [f] = orientFlows([rec('10.0.0.9', 8080, '10.0.0.5', 45000, 50)]);
    expect(f).toMatchObject({ client: '10.0.0.5', server: '10.0.0.9', port: 8080, bytesReceived: 50, inferredBy: 'port-class' });
  });

  it('the lower port when both are in one class, counted as a guess', () => {
    const [f] = orientFlows([rec('10.0.0.5', 40000, '10.0.0.9', 45000, 50)]);
    expect(f).toMatchObject({ port: 40000, inferredBy: 'lower-port' });
  });
});

describe('folding both directions of one connection', () => {
  it('both records share one orientation and split bytes into sent and received', () => {
    const records = [
      rec('10.0.0.5', 40000, '10.0.0.9', 443, 700, { tcpFlags: 3 }),
      rec('10.0.0.9', 443, '10.0.0.5', 40000, 9000),
      rec('10.0.0.5', 40000, '10.0.0.9', 443, 100, { start: T + 60_000, end: T + 120_000 }),
    ];
    const flows = orientFlows(records);
    expect(new Set(flows.map((f) => `${f.client}>${f.server}:${f.port}/${f.inferredBy}`))).toEqual(new Set(['10.0.0.5>10.0.0.9:443/tcp-flags']));
    expect(flows.reduce((n, f) => n + f.bytesSent, 0)).toBe(800);
    expect(flows.reduce((n, f) => n + f.bytesReceived, 0)).toBe(9000);
  });

  it('UDP records fold the same way', () => {
    const hints = listening({ '10.0.0.53': [53] });
    const flows = orientFlows([rec('10.0.0.5', 53001, '10.0.0.53', 53, 80, { protocol: 'UDP' }), rec('10.0.0.53', 53, '10.0.0.5', 53001, 200, { protocol: 'UDP' })], hints);
    expect(flows.every((f) => f.protocol === 'UDP' && f.port === 53 && f.client === '10.0.0.5')).toBe(true);
  });
});

describe('JSON-lines records', () => {
  const json = (src: string, dst: string, dstPort: number, bytes: number): FlowRecord => ({
    src, dst, dstPort, protocol: 'TCP', bytes, packets: 1, start: T, end: T + 1000, action: 'ACCEPT', oriented: true,
  });

  it('keep their declared direction', () => {
    const [f] = orientFlows([json('10.0.0.5', '10.0.0.9', 8080, 10)], listening({}));
    expect(f).toMatchObject({ client: '10.0.0.5', server: '10.0.0.9', port: 8080, bytesSent: 10, inferredBy: 'declared' });
  });

  it('a reply line (to the client ephemeral port) folds into its request', () => {
    const hints = listening({ '10.0.0.9': [8080] });
    const flows = orientFlows([json('10.0.0.5', '10.0.0.9', 8080, 10), json('10.0.0.9', '10.0.0.5', 41234, 5000)], hints);
    expect(flows[1]).toMatchObject({ client: '10.0.0.5', server: '10.0.0.9', port: 8080, bytesReceived: 5000, inferredBy: 'paired-reply' });
  });

  it('a real connection back to a served port is not folded', () => {
    const hints = listening({ '10.0.0.9': [8080], '10.0.0.5': [9090] });
    const flows = orientFlows([json('10.0.0.5', '10.0.0.9', 8080, 10), json('10.0.0.9', '10.0.0.5', 9090, 20)], hints);
    expect(flows.map((f) => f.inferredBy)).toEqual(['declared', 'declared']);
    expect(flows[1]).toMatchObject({ client: '10.0.0.9', server: '10.0.0.5', port: 9090 });
  });
});
