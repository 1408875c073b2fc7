/**
 * Shared plumbing of the local AWS endpoints in this folder: a loopback HTTP server that
 * records every request (operation, SigV4 service from the Authorization header, status),
 * injects faults (`failNext`) and stops cleanly. Each endpoint speaks the real protocol of
 * its service, so the real SDK clients are exercised end to end.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface AwsRequestRecord {
  method: string;
  path: string;
  operation: string;
  /** The service of the SigV4 credential scope (`iam`, `eks`, `scheduler`), or undefined when unsigned. */
  signedFor?: string;
  status: number;
}

export interface AwsFault {
  status: number;
  code: string;
  message?: string;
  /** Only this operation fails. */
  operation?: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface AwsEndpoint {
  url: string;
  requests: AwsRequestRecord[];
  /** The next `n` (matching) requests fail with `fault`. */
  failNext(n: number, fault: AwsFault): void;
  stop(): Promise<void>;
}

export type Route = (req: { method: string; path: string; query: URLSearchParams; body: string; headers: IncomingMessage['headers'] }) => { operation: string; reply: () => Reply };

export async function startAwsEndpoint(route: Route, formatFault: (fault: AwsFault) => Reply): Promise<AwsEndpoint> {
  const requests: AwsRequestRecord[] = [];
  const faults: Array<{ remaining: number; fault: AwsFault }> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = Buffer.concat(chunks).toString('utf8');
      const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
      let reply: Reply;
      let operation = 'unknown';
      try {
        const r = route({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, headers: req.headers });
        operation = r.operation;
        const f = faults.find((x) => x.remaining > 0 && (!x.fault.operation || x.fault.operation === operation));
        if (f) {
          f.remaining -= 1;
          reply = formatFault(f.fault);
        } else {
          reply = r.reply();
        }
      } catch (err) {
        reply = formatFault(err instanceof EndpointError ? err.fault : { status: 500, code: 'InternalFailure', message: String(err) });
      }
      requests.push({ method: req.method ?? 'GET', path: url.pathname, operation, ...(scope ? { signedFor: scope[1] } : {}), status: reply.status });
      res.writeHead(reply.status, reply.headers ?? {}).end(reply.body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (n, fault) => faults.push({ remaining: n, fault }),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Thrown by a route to answer with a service error. */
export class EndpointError extends Error {
  constructor(readonly fault: AwsFault) {
    super(fault.message ?? fault.code);
  }
}

/** REST-JSON services (EKS, EventBridge Scheduler): the error type in `x-amzn-errortype`. */
export function restJsonFault(messageKey: 'message' | 'Message'): (f: AwsFault) => Reply {
  return (f) => ({
    status: f.status,
    headers: { 'Content-Type': 'application/json', 'x-amzn-errortype': f.code, 'x-amzn-requestid': 'local' },
    body: JSON.stringify({ [messageKey]: f.message ?? f.code }),
  });
}

export function json(status: number, body: unknown): Reply {
  return { status, headers: { 'Content-Type': 'application/json', 'x-amzn-requestid': 'local' }, body: JSON.stringify(body) };
}
