/**
 * The deployment package as `cdk synth` builds it, bundling included (the other infra tests
 * switch bundling off): the ingest-audit bundle carries the detection IP list it was configured
 * with, loads on Node, and, invoked like Lambda invokes it, reads that list and publishes a
 * Tor-caller anomaly over the real wire (dynalite, the local EventBridge endpoint).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ensureTable, createDynamoClient } from '#shared/clients/dynamo';
import { packageDetectionFiles } from '#infra/aws/detection-files';
import { DEFAULT_DETECTION } from '#shared/detect/config';
import { LocalBus } from '#infra/local/bus';
import { startLocalEventBridge } from '#infra/local/eventbridge-server';
import { startDynalite } from '#infra/local/dynamo-server';
import { auditEvent, iamRoleUser, subscriptionEvent } from '#test/support/audit-factory';
import { assemblyResources, ROOT } from './support';

const dir = mkdtempSync(path.join(tmpdir(), 'bw-bundle-'));
const torFile = path.join(dir, 'tor exits.txt');
writeFileSync(torFile, '# Tor exit nodes\n185.220.101.1\n185.220.102.0/24\n');

describe('packageDetectionFiles', () => {
  it('moves list files into the package and points the configuration at them', () => {
    const { detection, files } = packageDetectionFiles(
      { ...DEFAULT_DETECTION, ipLists: [{ name: 'tor', kind: 'tor', file: torFile }, { name: 'inline', kind: 'custom', entries: ['198.51.100.7'] }] },
      dir,
    );
    expect(files).toEqual([{ source: torFile, target: 'detection-files/0-tor_exits.txt' }]);
    expect(detection.ipLists[0]!.file).toBe('/var/task/detection-files/0-tor_exits.txt');
    expect(detection.ipLists[1]).toEqual({ name: 'inline', kind: 'custom', entries: ['198.51.100.7'] });
  });

  it('names the field of a missing file', () => {
    expect(() => packageDetectionFiles({ ...DEFAULT_DETECTION, trustedCidrsFile: 'nope.txt' }, dir)).toThrow(/detection\.trustedCidrsFile: file nope\.txt not found/);
  });
});

describe('the bundled ingest-audit function', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'bw-cdk-bundled-'));
  const configFile = path.join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify({ clusters: [{ name: 'prod-eks', auditLogGroup: '/aws/eks/prod-eks/cluster' }], detection: { ipLists: [{ name: 'tor', kind: 'tor', file: torFile }] } }));
  let assetDir: string;
  let functionConfig: { detection: { ipLists: Array<{ file: string }> } };

  beforeAll(() => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'infra/aws/bundle-and-run.mjs')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ configFile }), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      timeout: 240_000,
    });
    expect(run.status).toBe(0);
    // ingest-audit is in the cluster's nested stack.
    const [fn] = Object.values(assemblyResources(outdir) as Record<string, { Type: string; Properties: { Environment?: { Variables: Record<string, string> }; Code?: unknown } }>).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables.POWERTOOLS_SERVICE_NAME === 'ingest-audit',
    );
    functionConfig = JSON.parse(fn!.Properties.Environment!.Variables.BOUNDWATCH_CONFIG!);
    // The code's S3 key is `<asset hash>.zip`; the synthesized asset folder is `asset.<hash>`.
    const key = (fn!.Properties.Code as { S3Key: string }).S3Key;
    assetDir = path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  }, 240_000);

  it('carries the list file and points its configuration at it', () => {
    expect(readdirSync(assetDir).sort()).toEqual(expect.arrayContaining(['index.js', 'detection-files']));
    expect(readFileSync(path.join(assetDir, 'detection-files', '0-tor_exits.txt'), 'utf8')).toContain('185.220.101.1');
    expect(functionConfig.detection.ipLists[0]!.file).toBe('/var/task/detection-files/0-tor_exits.txt');
  });

  it('runs as Lambda runs it: reads the list and publishes a Tor-caller anomaly', async () => {
    const dynamo = await startDynalite();
    const eb = await startLocalEventBridge({ bus: new LocalBus() });
    try {
      const ddb = createDynamoClient({ endpoint: dynamo.endpoint });
      await ensureTable(ddb, 'boundwatch');
      ddb.destroy();
      // The package is unpacked elsewhere than /var/task here: point the config at the copy.
      const config = { ...functionConfig, detection: { ...functionConfig.detection, ipLists: [{ ...functionConfig.detection.ipLists[0], file: path.join(assetDir, 'detection-files', '0-tor_exits.txt') }] } };
      const event = subscriptionEvent([
        auditEvent({ user: iamRoleUser('sso_admin', 'eve@example.com'), verb: 'list', objectRef: { resource: 'secrets', namespace: 'shop' }, sourceIPs: ['185.220.101.1'] }),
      ]);
      const script = `require(${JSON.stringify(path.join(assetDir, 'index.js'))}).handler(${JSON.stringify(event)}, { functionName: 'ingest-audit', awsRequestId: 'r1' })
        .then((r) => process.stdout.write(JSON.stringify(r)), (e) => { process.stderr.write(String(e)); process.exit(1); });`;
      const child = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, ['-e', script], {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'us-east-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
            POWERTOOLS_METRICS_DISABLED: 'true',
            TABLE_NAME: 'boundwatch',
            EVENT_BUS_NAME: eb.bus.name,
            CLUSTER_NAME: 'prod-eks',
            BOUNDWATCH_CONFIG: JSON.stringify(config),
            DYNAMODB_ENDPOINT: dynamo.endpoint,
            EVENTBRIDGE_ENDPOINT: eb.endpoint,
          },
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      const report = JSON.parse(child.stdout);
      expect(report.accepted).toBe(1);
      await eb.bus.drain();
      const types = eb.bus.events.flatMap((e) => (e.detail as { findings: Array<{ type: string }> }).findings.map((f) => f.type));
      expect(types).toContain('CredentialAccess:TorIPCaller');
      expect(existsSync(path.join(assetDir, 'index.js.map'))).toBe(true);
    } finally {
      await eb.stop();
      await dynamo.stop();
    }
  }, 60_000);
});
