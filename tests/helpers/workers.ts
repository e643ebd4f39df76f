/**
 * Starts fixture workers (tests/fixtures/*.mjs, plain JS importing the built @shardmap/core),
 * releases them together through a shared start gate, and collects one result per worker. A
 * worker that crashes, reports an error or outlives the timeout fails the test.
 */
import { Worker } from 'node:worker_threads';

export interface Started<T> {
  /** Resolves with each worker's result, in the order of `datas`. */
  results: Promise<T[]>;
  /** Workers' individual promises, for tests that must react to some finishing first. */
  each: Promise<T>[];
}

export function startWorkers<T>(fixture: string, datas: object[], timeoutMs = 30_000): Started<T> {
  const sync = new SharedArrayBuffer(8);
  const gate = new Int32Array(sync);
  const workers: Worker[] = [];
  const each = datas.map(
    (d, id) =>
      new Promise<T>((resolve, reject) => {
        const w = new Worker(new URL(`../fixtures/${fixture}`, import.meta.url), { workerData: { id, sync, ...d } });
        workers.push(w);
        const timer = setTimeout(() => {
          void w.terminate();
          reject(new Error(`${fixture} worker ${id} still running after ${timeoutMs} ms (deadlock or livelock?)`));
        }, timeoutMs);
        w.once('message', (m: { ok: boolean; result?: T; error?: { message: string; stack?: string } }) => {
          clearTimeout(timer);
          if (m.ok) resolve(m.result as T);
          else reject(new Error(`${fixture} worker ${id}: ${m.error?.message}\n${m.error?.stack ?? ''}`));
        });
        w.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
        w.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${fixture} worker ${id} exited (${code}) without a result`));
        });
      }),
  );
  // Open the gate once every worker has counted in.
  const open = setInterval(() => {
    if (Atomics.load(gate, 0) >= datas.length) {
      clearInterval(open);
      Atomics.store(gate, 1, 1);
      Atomics.notify(gate, 1);
    }
  }, 5);
  const results = Promise.all(each).finally(() => {
    clearInterval(open);
    for (const w of workers) void w.terminate();
  });
  return { results, each };
}

export function runWorkers<T>(fixture: string, datas: object[], timeoutMs?: number): Promise<T[]> {
  return startWorkers<T>(fixture, datas, timeoutMs).results;
}

/** SHARDMAP_SEED overrides; otherwise a fresh seed, which every failure message includes. */
export function seedFor(): number {
  const env = process.env.SHARDMAP_SEED;
  return env !== undefined ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}
