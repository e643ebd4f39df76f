/**
 * A `Map` owned by one thread and reached by postMessage: the alternative a Node user would
 * write without shared memory. The owner is a dedicated worker (postmessage-owner.ts), so the
 * harness's main thread stays out of the measurement; with N client threads, N + 1 threads run.
 *
 * Clients are synchronous (see postmessage-protocol.ts for how they wait). When the workload
 * ignores results they pipeline: up to WINDOW requests in flight, like an async client firing
 * requests without awaiting each one; this is the baseline's best case (~2.7 µs/op measured
 * pipelined vs ~10 µs sequential in ANCHORS).
 */
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { MapTarget, TargetCreateOptions, TargetHost } from '../target.js';
import type { OpCode, Request } from './postmessage-protocol.js';
import { Op, SIGNAL_STRIDE } from './postmessage-protocol.js';

/**
 * Requests in flight per client when pipelining: deep enough that the owner always has queued
 * work (a round trip is ~10 µs, serving one request ~1–3 µs), small enough to bound its queue.
 */
const WINDOW = 64;

interface PostMessageHandle {
  readonly port: MessagePort;
  readonly signal: SharedArrayBuffer;
  readonly slot: number;
  readonly pipelined: boolean;
}

class PostMessageClient implements MapTarget {
  readonly deferredResults: boolean;
  private readonly signal: Int32Array;
  private inFlight = 0;

  constructor(
    private readonly port: MessagePort,
    signal: SharedArrayBuffer,
    private readonly slot: number,
    private readonly pipelined: boolean,
  ) {
    this.signal = new Int32Array(signal);
    this.deferredResults = pipelined;
  }

  get(key: number): unknown {
    return this.call([Op.get, key]);
  }
  set(key: number, value: number): void {
    this.call([Op.set, key, value]);
  }
  insert(key: number, value: number): boolean {
    return this.call([Op.insert, key, value]) === true;
  }
  updateIfPresent(key: number, value: number): boolean {
    return this.call([Op.update, key, value]) === true;
  }
  delete(key: number): boolean {
    return this.call([Op.delete, key]) === true;
  }
  loadOrStore(key: number, value: number): boolean {
    return this.call([Op.loadOrStore, key, value]) === true;
  }
  loadAndDelete(key: number): boolean {
    return this.call([Op.loadAndDelete, key]) === true;
  }
  swap(key: number, value: number): boolean {
    return this.call([Op.swap, key, value]) === true;
  }
  compareAndSwap(key: number, expected: number, replacement: number): boolean {
    return this.call([Op.compareAndSwap, key, expected, replacement]) === true;
  }
  compareAndDelete(key: number, expected: number): boolean {
    return this.call([Op.compareAndDelete, key, expected]) === true;
  }
  rangeAll(): number {
    return (this.call([Op.rangeAll, 0]) as number | undefined) ?? 0;
  }
  rangeDeleteFirst(): void {
    this.call([Op.rangeDeleteFirst, 0]);
  }
  clear(): void {
    this.call([Op.clear, 0]);
  }
  size(): number {
    this.flush();
    return this.roundTrip([Op.size, 0]) as number;
  }
  bulkInsert(keys: Float64Array, from: number, to: number, value: number): void {
    this.flush();
    this.roundTrip([Op.bulkInsert, keys.slice(from, to), value]);
  }
  flush(): void {
    while (this.inFlight > 0) {
      this.receive();
      this.inFlight--;
    }
  }
  close(): void {
    this.flush();
    this.port.close();
  }

  /** Pipelined: post and return a placeholder. Otherwise: a full round trip. */
  private call(req: readonly [OpCode, number, number?, number?]): unknown {
    if (!this.pipelined) return this.roundTrip(req);
    this.port.postMessage(req);
    if (++this.inFlight >= WINDOW) {
      this.receive(); // the oldest reply; its value is not needed
      this.inFlight--;
    }
    return undefined;
  }

  private roundTrip(req: Request): unknown {
    this.port.postMessage(req);
    return this.receive();
  }

  /** Takes the next reply, parking on the signal word until the owner has posted one. */
  private receive(): unknown {
    for (;;) {
      // Read the word before looking at the port: the owner posts first and bumps second, so a
      // reply posted after our look changes the word and the wait below returns at once.
      const seen = Atomics.load(this.signal, this.slot);
      const reply = receiveMessageOnPort(this.port);
      if (reply !== undefined) return reply.message;
      Atomics.wait(this.signal, this.slot, seen);
    }
  }
}

/**
 * An owner thread left idle by a closed run. Starting a thread costs tens of milliseconds, more
 * than a quick run's measurement, so runs reuse it: the 'clients' command replaces its Map.
 */
let idleOwner: Worker | undefined;

function takeOwner(): Worker {
  const owner = idleOwner ?? new Worker(new URL('./postmessage-owner.js', import.meta.url));
  idleOwner = undefined;
  owner.ref();
  return owner;
}

function releaseOwner(owner: Worker): Promise<void> {
  owner.postMessage({ type: 'drop' });
  if (idleOwner !== undefined) return owner.terminate().then(() => undefined);
  // Unref'd, an idle owner never keeps the process alive.
  owner.unref();
  idleOwner = owner;
  return Promise.resolve();
}

export async function create(options: TargetCreateOptions): Promise<TargetHost> {
  const owner = takeOwner();
  const signal = new SharedArrayBuffer(options.threads * SIGNAL_STRIDE * 4);
  const channels = Array.from({ length: options.threads }, () => new MessageChannel());
  const ownerPorts = channels.map((c) => c.port2);
  const replies = ownerReplies(owner);
  owner.postMessage({ type: 'clients', ports: ownerPorts, signal }, ownerPorts);
  await replies.next('ready');
  return {
    attachInfo: (i) => {
      const handle: PostMessageHandle = {
        port: channels[i]!.port1,
        signal,
        slot: i * SIGNAL_STRIDE,
        pipelined: options.pipelined,
      };
      return { handle, transfer: [channels[i]!.port1] };
    },
    size: async () => {
      owner.postMessage({ type: 'size' });
      return ((await replies.next('size')) as { size: number }).size;
    },
    close: () => releaseOwner(owner),
  };
}

export function attach(handle: unknown): MapTarget {
  const h = handle as PostMessageHandle;
  return new PostMessageClient(h.port, h.signal, h.slot, h.pipelined);
}

/** Awaits the owner's control replies by type; an owner crash rejects the pending wait. */
function ownerReplies(owner: Worker): { next(type: string): Promise<unknown> } {
  return {
    next: (type) =>
      new Promise((resolve, reject) => {
        const onMessage = (msg: { type: string }): void => {
          if (msg.type !== type) return;
          cleanup();
          resolve(msg);
        };
        const onError = (err: Error): void => {
          cleanup();
          reject(err);
        };
        const cleanup = (): void => {
          owner.off('message', onMessage);
          owner.off('error', onError);
        };
        owner.on('message', onMessage);
        owner.on('error', onError);
      }),
  };
}
