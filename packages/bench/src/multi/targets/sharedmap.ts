/**
 * npm `sharedmap` 1.2.0 as a benchmark target: string keys and values only, fixed size, a global
 * shared-read lock plus per-line locks (reads serialise on the global lock: the ANCHORS measured
 * 2 workers no faster than 1).
 *
 * It has no atomic read-modify-write operations, so the Go-style ones take its documented
 * `lockWrite()` (blocks other writers, not readers) or `lockExclusive()` (needed by delete) and
 * run get-then-set under it. bustle's insert/update use plain has-then-set instead: bustle keys are
 * private to one thread, so nothing can interleave, and the baseline gets its fastest correct path.
 */
import type { NpmSharedMap } from '../../util/sharedmap-lib.js';
import { createNpmSharedMap, reviveNpmSharedMap } from '../../util/sharedmap-lib.js';
import type { MapTarget, TargetCreateOptions, TargetHost } from '../target.js';

const WRITE_HELD = { lockWrite: true } as const;
const EXCLUSIVE_HELD = { lockExclusive: true } as const;

class SharedMapTarget implements MapTarget {
  readonly deferredResults = false;
  constructor(private readonly map: NpmSharedMap) {}

  get(key: number): unknown {
    return this.map.get(String(key));
  }
  set(key: number, value: number): void {
    this.map.set(String(key), value);
  }
  insert(key: number, value: number): boolean {
    const k = String(key);
    const isNew = !this.map.has(k); // thread-private key (see the file comment)
    this.map.set(k, value);
    return isNew;
  }
  updateIfPresent(key: number, value: number): boolean {
    const k = String(key);
    if (!this.map.has(k)) return false; // thread-private key (see the file comment)
    this.map.set(k, value);
    return true;
  }
  delete(key: number): boolean {
    return this.deleteIf(String(key), undefined);
  }
  loadOrStore(key: number, value: number): boolean {
    const k = String(key);
    this.map.lockWrite();
    try {
      if (this.map.get(k, WRITE_HELD) !== undefined) return true;
      this.map.set(k, value, WRITE_HELD);
      return false;
    } finally {
      this.map.unlockWrite();
    }
  }
  loadAndDelete(key: number): boolean {
    return this.deleteIf(String(key), undefined);
  }
  swap(key: number, value: number): boolean {
    const k = String(key);
    this.map.lockWrite();
    try {
      const loaded = this.map.get(k, WRITE_HELD) !== undefined;
      this.map.set(k, value, WRITE_HELD);
      return loaded;
    } finally {
      this.map.unlockWrite();
    }
  }
  compareAndSwap(key: number, expected: number, replacement: number): boolean {
    const k = String(key);
    this.map.lockWrite();
    try {
      if (this.map.get(k, WRITE_HELD) !== String(expected)) return false;
      this.map.set(k, replacement, WRITE_HELD);
      return true;
    } finally {
      this.map.unlockWrite();
    }
  }
  compareAndDelete(key: number, expected: number): boolean {
    return this.deleteIf(String(key), String(expected));
  }
  rangeAll(): number {
    let visited = 0;
    for (const _ of this.map.keys()) visited++;
    return visited;
  }
  rangeDeleteFirst(): void {
    // keys() releases its locks before each yield, so leaving the loop early is safe.
    for (const k of this.map.keys()) {
      this.deleteIf(k, undefined);
      break;
    }
  }
  clear(): void {
    this.map.clear();
  }
  size(): number {
    return this.map.length;
  }
  bulkInsert(keys: Float64Array, from: number, to: number, value: number): void {
    for (let i = from; i < to; i++) this.map.set(String(keys[i]!), value);
  }
  flush(): void {}
  close(): void {}

  /** Deletes `key` if present (and, when `expected` is given, holding that value). */
  private deleteIf(key: string, expected: string | undefined): boolean {
    // sharedmap's delete throws on a missing key and needs the exclusive lock anyway.
    this.map.lockExclusive();
    try {
      const current = this.map.get(key, EXCLUSIVE_HELD);
      if (current === undefined || (expected !== undefined && current !== expected)) return false;
      this.map.delete(key, EXCLUSIVE_HELD);
      return true;
    } finally {
      this.map.unlockExclusive();
    }
  }
}

export async function create(options: TargetCreateOptions): Promise<TargetHost> {
  const map = createNpmSharedMap(options.maxKeys);
  return {
    // The map object itself is structured-cloneable: its storage is one SharedArrayBuffer.
    attachInfo: () => ({ handle: map }),
    size: async () => map.length,
    close: async () => {},
  };
}

export function attach(handle: unknown): MapTarget {
  return new SharedMapTarget(reviveNpmSharedMap(handle));
}
