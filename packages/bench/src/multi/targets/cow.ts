/**
 * The copy-on-write map (CowMap, the DeepCopyMap analog) as a benchmark target. Method bodies
 * follow Go's DeepCopyMap: lock-free loads; LoadOrStore, CompareAndSwap and CompareAndDelete
 * first check the published table without the lock and only lock (and copy) when they may
 * change something. Unlike DeepCopyMap, Delete of an absent key does not copy the table.
 */
import type { Change, CowMapHandle } from './cow-map.js';
import { CowMap } from './cow-map.js';
import type { MapTarget, TargetCreateOptions, TargetHost } from '../target.js';

const NO_CHANGE = undefined;
const CLEAR: Change = { kind: 'clear' };

class CowTarget implements MapTarget {
  readonly deferredResults = false;
  constructor(private readonly map: CowMap) {}

  get(key: number): unknown {
    return this.map.get(key);
  }
  set(key: number, value: number): void {
    this.map.write(() => ({ change: { kind: 'set', key, value }, result: undefined }));
  }
  insert(key: number, value: number): boolean {
    return this.map.write((current) => ({
      change: { kind: 'set', key, value },
      result: current(key) === undefined,
    }));
  }
  updateIfPresent(key: number, value: number): boolean {
    if (this.map.get(key) === undefined) return false;
    return this.map.write((current) =>
      current(key) === undefined
        ? { change: NO_CHANGE, result: false }
        : { change: { kind: 'set', key, value }, result: true },
    );
  }
  delete(key: number): boolean {
    return this.map.write((current) =>
      current(key) === undefined
        ? { change: NO_CHANGE, result: false }
        : { change: { kind: 'delete', key }, result: true },
    );
  }
  loadOrStore(key: number, value: number): boolean {
    if (this.map.get(key) !== undefined) return true;
    // Re-check under the lock: another writer may have stored it while we waited.
    return this.map.write((current) =>
      current(key) !== undefined
        ? { change: NO_CHANGE, result: true }
        : { change: { kind: 'set', key, value }, result: false },
    );
  }
  loadAndDelete(key: number): boolean {
    return this.delete(key);
  }
  swap(key: number, value: number): boolean {
    return this.map.write((current) => ({
      change: { kind: 'set', key, value },
      result: current(key) !== undefined,
    }));
  }
  compareAndSwap(key: number, expected: number, replacement: number): boolean {
    if (this.map.get(key) !== expected) return false;
    return this.map.write((current) =>
      current(key) !== expected
        ? { change: NO_CHANGE, result: false }
        : { change: { kind: 'set', key, value: replacement }, result: true },
    );
  }
  compareAndDelete(key: number, expected: number): boolean {
    if (this.map.get(key) !== expected) return false;
    return this.map.write((current) =>
      current(key) !== expected
        ? { change: NO_CHANGE, result: false }
        : { change: { kind: 'delete', key }, result: true },
    );
  }
  rangeAll(): number {
    // entries() visits every slot of the published table to copy it out: that is the Range.
    return this.map.entries()[0].length;
  }
  rangeDeleteFirst(): void {
    const [keys] = this.map.entries();
    if (keys.length > 0) this.delete(keys[0]!);
  }
  clear(): void {
    this.map.write(() => ({ change: CLEAR, result: undefined }));
  }
  size(): number {
    return this.map.size;
  }
  bulkInsert(keys: Float64Array, from: number, to: number, value: number): void {
    for (let i = from; i < to; i++) this.set(keys[i]!, value);
  }
  flush(): void {}
  close(): void {}
}

export async function create(options: TargetCreateOptions): Promise<TargetHost> {
  const map = CowMap.create(options.maxKeys);
  return {
    attachInfo: () => ({ handle: map.handle }),
    size: async () => map.size,
    close: async () => {},
  };
}

export function attach(handle: unknown): MapTarget {
  return new CowTarget(new CowMap(handle as CowMapHandle));
}
