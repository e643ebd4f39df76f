/**
 * The comparison `pnpm start` runs after the map: a `Map` owned by one extra thread, which the
 * workload threads reach by postMessage (adapters/postmessage-map.ts, node/postmessage-owner.ts).
 * `startPostMessageMap(threads)` starts the owner with one MessagePort per workload thread and
 * returns the `target` for `runWorkload`; `close()` stops the owner.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { OpName } from '../mix.js';
import type { WorkloadTarget } from '../options.js';

/** The ops the postMessage Map cannot run cheaply, and why (said in the CLI's table). */
export const POSTMESSAGE_LACKS: Readonly<Partial<Record<OpName, string>>> = {
  update: 'a callback cannot be posted to the owner',
  range: 'the owner would copy entries out in batches',
};

/** Each client's signal word on a 64-byte line of its own. */
const STRIDE = 16;

export interface PostMessageMap {
  readonly target: WorkloadTarget;
  close(): Promise<void>;
}

export async function startPostMessageMap(threads: number): Promise<PostMessageMap> {
  const signal = new SharedArrayBuffer(threads * STRIDE * 4);
  const channels = Array.from({ length: threads }, () => new MessageChannel());
  const ownerPorts = channels.map((c) => c.port2);
  const owner = new Worker(new URL('./postmessage-owner.js', import.meta.url), {
    workerData: { ports: ownerPorts, signal, stride: STRIDE },
    transferList: ownerPorts,
  });
  await new Promise<void>((resolve, reject) => {
    owner.once('message', () => resolve());
    owner.once('error', reject);
    owner.once('exit', (code) => reject(new Error(`the postMessage owner thread exited with code ${code}`)));
  });
  return {
    target: {
      adapter: new URL('../adapters/postmessage-map.js', import.meta.url),
      name: 'postmessage-map',
      configFor: (worker) => ({ config: { port: channels[worker]!.port1, signal, slot: worker * STRIDE }, transferList: [channels[worker]!.port1] }),
    },
    close: async () => {
      owner.removeAllListeners();
      owner.postMessage('stop');
      await new Promise((resolve) => owner.once('exit', resolve));
    },
  };
}
