/**
 * `lmdb` 3.5.6 as a benchmark target: what Node users reach for to share key/values between
 * threads. Every thread opens the same environment (lmdb-js shares it inside the process); the
 * files live on tmpfs (/dev/shm when present) with `noSync`, so no disk is involved and the
 * numbers show lmdb's own costs: a B-tree, msgpack values and one writer at a time.
 *
 * Writes use synchronous transactions so that every operation is linearizable and its result is
 * known when it returns, like the other targets. Native conditional writes are used where lmdb
 * has them (`noOverwrite` for LoadOrStore, `removeSync` reporting presence); compound operations
 * (Swap, CompareAndSwap, CompareAndDelete) run get-then-write inside one `transactionSync`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import type { Database } from 'lmdb';
import type { MapTarget, TargetCreateOptions, TargetHost } from '../target.js';

type Db = Database<number, number>;

interface LmdbHandle {
  readonly path: string;
}

const NO_OVERWRITE = { noOverwrite: true } as const;

/** tmpfs keeps the page cache the only storage; os.tmpdir() is the fallback elsewhere. */
function scratchRoot(): string {
  return fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
}

function openDb(dir: string): Db {
  return open<number, number>({ path: dir, noSync: true, cache: false });
}

class LmdbTarget implements MapTarget {
  readonly deferredResults = false;
  constructor(private readonly db: Db) {}

  get(key: number): unknown {
    return this.db.get(key);
  }
  set(key: number, value: number): void {
    this.db.putSync(key, value);
  }
  insert(key: number, value: number): boolean {
    // One transaction in the common (new key) case; an upsert of an existing key takes two.
    if (this.db.putSync(key, value, NO_OVERWRITE) as unknown as boolean) return true;
    this.db.putSync(key, value);
    return false;
  }
  updateIfPresent(key: number, value: number): boolean {
    // bustle keys are private to one thread, so get-then-put cannot interleave with a writer.
    if (this.db.get(key) === undefined) return false;
    this.db.putSync(key, value);
    return true;
  }
  delete(key: number): boolean {
    return this.db.removeSync(key);
  }
  loadOrStore(key: number, value: number): boolean {
    return !(this.db.putSync(key, value, NO_OVERWRITE) as unknown as boolean);
  }
  loadAndDelete(key: number): boolean {
    return this.db.removeSync(key);
  }
  swap(key: number, value: number): boolean {
    const db = this.db;
    return db.transactionSync(() => {
      const loaded = db.get(key) !== undefined;
      void db.put(key, value);
      return loaded;
    });
  }
  compareAndSwap(key: number, expected: number, replacement: number): boolean {
    const db = this.db;
    return db.transactionSync(() => {
      if (db.get(key) !== expected) return false;
      void db.put(key, replacement);
      return true;
    });
  }
  compareAndDelete(key: number, expected: number): boolean {
    const db = this.db;
    return db.transactionSync(() => {
      if (db.get(key) !== expected) return false;
      void db.remove(key);
      return true;
    });
  }
  rangeAll(): number {
    let visited = 0;
    for (const _ of this.db.getRange()) visited++;
    return visited;
  }
  rangeDeleteFirst(): void {
    for (const key of this.db.getKeys({ limit: 1 })) this.db.removeSync(key);
  }
  clear(): void {
    this.db.clearSync();
  }
  size(): number {
    return this.db.getCount();
  }
  bulkInsert(keys: Float64Array, from: number, to: number, value: number): void {
    const db = this.db;
    db.transactionSync(() => {
      for (let i = from; i < to; i++) void db.put(keys[i]!, value);
    });
  }
  flush(): void {}
  close(): void {
    void this.db.close();
  }
}

export async function create(_options: TargetCreateOptions): Promise<TargetHost> {
  const dir = fs.mkdtempSync(path.join(scratchRoot(), 'shardmap-bench-lmdb-'));
  const db = openDb(dir);
  const handle: LmdbHandle = { path: dir };
  return {
    attachInfo: () => ({ handle }),
    size: async () => db.getCount(),
    close: async () => {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function attach(handle: unknown): MapTarget {
  return new LmdbTarget(openDb((handle as LmdbHandle).path));
}
