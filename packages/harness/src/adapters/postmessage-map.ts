/**
 * The postMessage comparison's target module: a client of a plain `Map` owned by another thread
 * (node/postmessage-owner.ts), what a Node user writes without shared memory. Every op is a full
 * round trip (the harness checks each result): post `[op, key, a]`, park on this client's signal
 * word with Atomics.wait until the owner has posted the reply, take it with receiveMessageOnPort.
 * The message, its cloning and the owner's event-loop dispatch are what an async client pays too;
 * only the wake-up differs (a futex instead of the client's own event loop).
 *
 * It offers get, set (answering whether the key was new), delete, add and size. Not `update(key,
 * fn)`: a callback cannot be posted to the owner. Not `range(visit)`: the owner would have to copy
 * entries out in batches and the visitor could not stop it; a scan is not what this comparison
 * measures.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { MapTarget } from '../target.js';

/** Request op codes. */
export const PostMessageOp = { get: 0, set: 1, delete: 2, add: 3, size: 4 } as const;

/** `[op, key, a]`. */
export type PostMessageRequest = readonly [number, number, number?];

/** The config this adapter expects: the thread's port to the owner and its signal word. */
export interface PostMessageMapConfig {
  readonly port: MessagePort;
  readonly signal: SharedArrayBuffer;
  /** Index of this client's word in `signal`. */
  readonly slot: number;
}

export function open({ port, signal: buffer, slot }: PostMessageMapConfig): MapTarget {
  const signal = new Int32Array(buffer);
  const call = (request: PostMessageRequest): unknown => {
    port.postMessage(request);
    for (;;) {
      // Read the word before looking at the port: the owner posts first and bumps second, so a
      // reply posted after the look changes the word and the wait returns at once.
      const seen = Atomics.load(signal, slot);
      const reply = receiveMessageOnPort(port);
      if (reply !== undefined) return reply.message;
      Atomics.wait(signal, slot, seen);
    }
  };
  return {
    get: (key) => call([PostMessageOp.get, key]),
    set: (key, value) => call([PostMessageOp.set, key, value]) as boolean,
    delete: (key) => call([PostMessageOp.delete, key]) as boolean,
    add: (key, delta) => call([PostMessageOp.add, key, delta]) as number,
    size: () => call([PostMessageOp.size, 0]) as number,
    close: () => port.close(),
  };
}
