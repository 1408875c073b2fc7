/**
 * The object store behind the test API server: one map per cluster, a global resourceVersion
 * counter like etcd's revision, and the server-set metadata (uid, creationTimestamp,
 * generation) kube-apiserver adds on create.
 */
import { randomUUID } from 'node:crypto';
import { clone, isObject, type JsonObject, text } from './patch';
import { RESOURCES, type ResourceDef } from './resources';
import type { NamedResource } from '#shared/k8s/names';

export class ObjectStore {
  private readonly objects = new Map<string, JsonObject>();
  private revision = 1000;
  private nextServiceIP = 10;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  private key(resource: string, namespace: string, name: string): string {
    return `${resource}\0${namespace}\0${name}`;
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  now(): string {
    // kube-apiserver timestamps have second precision (metav1.Time, RFC 3339).
    return this.clock().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  get(resource: NamedResource, namespace: string, name: string): JsonObject | undefined {
    const o = this.objects.get(this.key(resource, namespace, name));
    return o ? clone(o) : undefined;
  }

  /** Objects of one resource, sorted by namespace then name like an etcd range read. */
  list(resource: NamedResource, namespace?: string): JsonObject[] {
    const out: { k: string; o: JsonObject }[] = [];
    for (const [k, o] of this.objects) {
      const [r, ns] = k.split('\0');
      if (r !== resource) continue;
      if (namespace !== undefined && ns !== namespace) continue;
      out.push({ k, o });
    }
    return out.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => clone(x.o));
  }

  /** Stores a new object: assigns uid, creationTimestamp, generation and a resourceVersion. */
  create(def: ResourceDef, o: JsonObject): JsonObject {
    const meta = (o.metadata = isObject(o.metadata) ? o.metadata : {});
    meta.uid = randomUUID();
    meta.creationTimestamp = this.now();
    meta.generation = 1;
    meta.resourceVersion = String(++this.revision);
    this.objects.set(this.key(def.resource, text(meta.namespace ?? ''), text(meta.name)), clone(o));
    return o;
  }

  /** Replaces an existing object with a new resourceVersion. */
  update(def: ResourceDef, o: JsonObject): JsonObject {
    const meta = o.metadata as JsonObject;
    meta.resourceVersion = String(++this.revision);
    this.objects.set(this.key(def.resource, text(meta.namespace ?? ''), text(meta.name)), clone(o));
    return o;
  }

  delete(def: ResourceDef, namespace: string, name: string): boolean {
    const deleted = this.objects.delete(this.key(def.resource, namespace, name));
    if (deleted) this.revision++;
    return deleted;
  }

  /** Removes every namespaced object in `namespace` (what the namespace controller does). */
  deleteNamespaceContents(namespace: string): void {
    for (const def of Object.values(RESOURCES)) {
      if (!def.namespaced) continue;
      for (const o of this.list(def.resource, namespace)) this.delete(def, namespace, text((o.metadata as JsonObject).name));
    }
  }

  allocateClusterIP(): string {
    const n = this.nextServiceIP++;
    return `10.96.${Math.floor(n / 256)}.${n % 256}`;
  }

  clear(): void {
    this.objects.clear();
  }
}
