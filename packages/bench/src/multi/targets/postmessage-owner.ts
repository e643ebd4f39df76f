/**
 * The thread that owns the Map in the postMessage baseline: the idiomatic way to share a `Map`
 * in Node (one owner, everyone else sends it messages). It serves every client port from its
 * event loop, one 'message' event per request, as a user's owner thread would.
 */
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Request } from './postmessage-protocol.js';
import { Op, SIGNAL_STRIDE } from './postmessage-protocol.js';

let map = new Map<number, number>();
/** Ports of the current run's clients; dropped (closed) when the harness ends the run. */
let ports: MessagePort[] = [];

function execute(req: Request): unknown {
  const op = req[0];
  if (op === Op.bulkInsert) {
    const keys = req[1] as Float64Array;
    const value = req[2] as number;
    for (let i = 0; i < keys.length; i++) map.set(keys[i]!, value);
    return keys.length;
  }
  const key = req[1] as number;
  const a = req[2] as number;
  const b = req[3] as number;
  switch (op) {
    case Op.get:
      return map.get(key);
    case Op.set:
      map.set(key, a);
      return undefined;
    case Op.insert: {
      const before = map.size;
      map.set(key, a);
      return map.size > before;
    }
    case Op.update:
      if (!map.has(key)) return false;
      map.set(key, a);
      return true;
    case Op.delete:
    case Op.loadAndDelete:
      return map.delete(key);
    case Op.loadOrStore:
      if (map.has(key)) return true;
      map.set(key, a);
      return false;
    case Op.swap: {
      const loaded = map.has(key);
      map.set(key, a);
      return loaded;
    }
    case Op.compareAndSwap:
      if (map.get(key) !== a) return false;
      map.set(key, b);
      return true;
    case Op.compareAndDelete:
      if (map.get(key) !== a) return false;
      return map.delete(key);
    case Op.rangeAll: {
      // The owner iterates and answers with a count: the cheapest honest remote Range.
      let visited = 0;
      for (const _ of map) visited++;
      return visited;
    }
    case Op.rangeDeleteFirst:
      for (const k of map.keys()) {
        map.delete(k);
        break;
      }
      return undefined;
    case Op.clear:
      map.clear();
      return undefined;
    case Op.size:
      return map.size;
    default:
      throw new Error(`postmessage-owner: unknown op ${String(op)}`);
  }
}

function serve(port: MessagePort, signal: Int32Array, slot: number): void {
  port.on('message', (req: Request) => {
    port.postMessage(execute(req));
    // Publish "a reply is queued" only after posting it (see postmessage-protocol.ts).
    Atomics.add(signal, slot, 1);
    Atomics.notify(signal, slot, 1);
  });
}

parentPort!.on('message', (cmd: { type: string; ports?: MessagePort[]; signal?: SharedArrayBuffer }) => {
  if (cmd.type === 'clients') {
    // A new run: a fresh Map, as if a new owner thread had started.
    map = new Map();
    ports = cmd.ports!;
    const signal = new Int32Array(cmd.signal!);
    cmd.ports!.forEach((port, i) => serve(port, signal, i * SIGNAL_STRIDE));
    parentPort!.postMessage({ type: 'ready' });
  } else if (cmd.type === 'size') {
    parentPort!.postMessage({ type: 'size', size: map.size });
  } else if (cmd.type === 'drop') {
    for (const port of ports) port.close();
    ports = [];
    map = new Map();
  }
});
