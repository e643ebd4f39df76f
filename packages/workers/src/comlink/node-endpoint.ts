/**
 * A comlink `Endpoint` over a `worker_threads` port, so the helpers that drive Web Workers drive
 * Node worker threads unchanged.
 *
 * Why our own: comlink ships `comlink/dist/esm/node-adapter.mjs`, but its typings name DOM types
 * and it has no `exports` map, so under `moduleResolution: NodeNext` without the DOM lib it does not
 * type-check. The adapter itself is a few lines: comlink speaks the DOM `MessageEvent` shape
 * (`addEventListener('message', listener)` delivering `{ data }`), Node's ports speak
 * `on('message', data => …)`.
 */
// No import of comlink, not even of its types: they name DOM types (`Transferable`,
// `EventListenerOrEventListenerObject`), and this module is part of the main entry, which a Node
// project without the DOM lib type-checks. `NodeEndpoint` is comlink's `Endpoint` in shape.

/** What this adapter needs of a Node port: `MessagePort`, `Worker` and `parentPort` all fit. */
export interface NodeMessagePort {
  postMessage(message: unknown, transferList?: readonly unknown[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
  /** `MessagePort`s made by a `MessageChannel` deliver nothing until started; `on` starts them too. */
  start?(): void;
  /** A `Worker` has it; the endpoint passes it on so `MapWorkerGroup.close()` can end the thread. */
  terminate?(): unknown;
}

/** The two listener shapes the DOM allows, and so comlink may pass; this adapter calls them with `{ data }`. */
type DomMessageListener =
  | ((event: { data: unknown }) => void)
  | { handleEvent(event: { data: unknown }): void };

/**
 * A listener as the endpoint takes it: loose enough that comlink's DOM-typed
 * `EventListenerOrEventListenerObject` fits where the DOM lib is loaded.
 */
export type EndpointListener = ((event: never) => void) | { handleEvent(event: never): void };

/**
 * A comlink endpoint (comlink's `Endpoint`, spelled out) that can also end its thread when the
 * port was a `Worker`.
 */
export interface NodeEndpoint {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  addEventListener(type: string, listener: EndpointListener, options?: {}): void;
  removeEventListener(type: string, listener: EndpointListener, options?: {}): void;
  start?(): void;
  terminate?(): unknown;
}

/**
 * Adapts a `worker_threads` port to comlink. Pass the `Worker` on the parent side and `parentPort`
 * (or a `MessagePort`) on the worker side:
 *
 *     const api = wrapMapWorker(nodeEndpoint(new Worker(url)));   // parent
 *     exposeMapWorker(functions, nodeEndpoint(parentPort!));       // worker
 */
export function nodeEndpoint(port: NodeMessagePort): NodeEndpoint {
  // comlink removes listeners by the object it added; remember which Node listener stands for it.
  const adapters = new WeakMap<EndpointListener, (data: unknown) => void>();
  const endpoint: NodeEndpoint = {
    postMessage(message: unknown, transfer?: readonly unknown[]): void {
      // comlink fills the transfer list only with what must move: the MessagePort behind a
      // `proxy()` callback, or values marked with `transfer()`. A map's handle is never in it.
      port.postMessage(message, transfer);
    },
    addEventListener(_type: string, added: EndpointListener): void {
      const listener = added as DomMessageListener;
      const adapter = (data: unknown): void => {
        if (typeof listener === 'function') listener({ data });
        else listener.handleEvent({ data });
      };
      adapters.set(added, adapter);
      port.on('message', adapter);
    },
    removeEventListener(_type: string, listener: EndpointListener): void {
      const adapter = adapters.get(listener);
      if (adapter === undefined) return;
      port.off('message', adapter);
      adapters.delete(listener);
    },
    start(): void {
      port.start?.();
    },
  };
  if (port.terminate !== undefined) endpoint.terminate = () => port.terminate?.();
  return endpoint;
}
