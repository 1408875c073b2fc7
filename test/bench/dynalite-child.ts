/**
 * DynamoDB for the benchmark runs in a child process: the handler's CPU time (process.cpuUsage)
 * then measures boundwatch's own work, not the database's, as on Lambda where DynamoDB is remote.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const SCRIPT = `
const dynalite = require('dynalite');
const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

export async function startDynaliteChild(): Promise<{ endpoint: string; stop(): void }> {
  const child: ChildProcess = spawn(process.execPath, ['-e', SCRIPT], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`dynalite child exited with ${code}`)));
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}
