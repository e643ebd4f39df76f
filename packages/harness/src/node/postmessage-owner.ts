/**
 * The thread that owns the `Map` of the postMessage comparison (node/postmessage.ts): the usual
 * way to share a `Map` between Node threads, one owner and messages to it. It serves each client
 * port from its event loop, one 'message' event per request, as a user's owner thread would.
 *
 * A request is `[op, key, a]`; the reply is one value. After posting a reply the owner bumps the
 * client's word in the shared signal array and notifies it, so a synchronous client can park on
 * it with Atomics.wait (see adapters/postmessage-map.ts).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { PostMessageOp as Op, type PostMessageRequest } from '../adapters/postmessage-map.js';

const { ports, signal: buffer, stride } = workerData as { ports: MessagePort[]; signal: SharedArrayBuffer; stride: number };
const signal = new Int32Array(buffer);
const map = new Map<number, number>();

function execute([op, key, a]: PostMessageRequest): unknown {
  switch (op) {
    case Op.get:
      return map.get(key);
    case Op.set: {
      const isNew = !map.has(key);
      map.set(key, a!);
      return isNew;
    }
    case Op.delete:
      return map.delete(key);
    case Op.add: {
      const total = (map.get(key) ?? 0) + a!;
      map.set(key, total);
      return total;
    }
    case Op.size:
      return map.size;
    default:
      throw new Error(`postmessage-owner: unknown op ${String(op)}`);
  }
}

ports.forEach((port, i) => {
  port.on('message', (request: PostMessageRequest) => {
    port.postMessage(execute(request));
    // Publish "a reply is queued" only after posting it.
    Atomics.add(signal, i * stride, 1);
    Atomics.notify(signal, i * stride, 1);
  });
});
parentPort!.once('message', () => process.exit(0));
parentPort!.postMessage('ready');
