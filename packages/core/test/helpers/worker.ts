/** Runs a fixture script in a worker thread and resolves with the message it posts; a hang fails. */
import { Worker } from 'node:worker_threads';

export interface FixtureResult {
  ok: boolean;
  error?: { message: string; stack?: string };
  [k: string]: unknown;
}

export function runFixture(name: string, workerData: unknown, timeoutMs = 20_000): Promise<FixtureResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL(`../fixtures/${name}`, import.meta.url), { workerData });
    const timer = setTimeout(() => {
      void w.terminate();
      reject(new Error(`fixture ${name} did not finish within ${timeoutMs} ms (deadlock?)`));
    }, timeoutMs);
    w.once('message', (m: FixtureResult) => {
      clearTimeout(timer);
      void w.terminate();
      resolve(m);
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    w.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`fixture ${name} exited with code ${code} before posting a result`));
    });
  });
}
