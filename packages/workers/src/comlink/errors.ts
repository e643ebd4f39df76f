/**
 * Errors thrown by an exposed function reach the caller with their `code`, class, name, message,
 * stack and cause. comlink's own "throw" handler sends only `{ message, name, stack }` and
 * rebuilds a plain `Error`, so `ERR_SHARDMAP_FULL` thrown in a worker arrived as an `Error` with
 * `code === undefined`.
 *
 * comlink keeps its transfer handlers in one registry per copy of comlink (`transferHandlers`);
 * this wraps its "throw" handler once. Both ends need it: `exposeMapWorker` installs it in the
 * worker, `wrapMapWorker` (and so `startMapWorkers`) on the calling side. It changes nothing but
 * errors: other thrown values, and errors that do not come from an end with it installed, go
 * through comlink's own handler. A caller that uses comlink's plain `wrap()` still gets `code`
 * (comlink copies the wire record's fields onto its `Error`), though not the class.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { ENCODED_ERROR, decodeError, encodeError, isEncodedError } from '../remote-error.js';

const INSTALLED = Symbol.for('@shardmap/workers:comlink-error-handler');

type Thrown = { value: unknown };
type WireThrown = { isError: boolean; value: unknown };

/** Wraps comlink's "throw" transfer handler in this thread, once. */
export function preserveErrorsOverComlink(): void {
  const original = transferHandlers.get('throw') as (TransferHandler<Thrown, WireThrown> & { [INSTALLED]?: true }) | undefined;
  if (original === undefined || original[INSTALLED]) return;
  const handler: TransferHandler<Thrown, WireThrown> & { [INSTALLED]: true } = {
    [INSTALLED]: true,
    canHandle: (value): value is Thrown => original.canHandle(value),
    serialize(thrown) {
      const error = thrown.value;
      if (!(error instanceof Error)) return original.serialize(thrown);
      const code = (error as { code?: unknown }).code;
      const wire = {
        message: String(error.message),
        name: String(error.name),
        stack: error.stack,
        ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
        [ENCODED_ERROR]: encodeError(error),
      };
      return [{ isError: true, value: wire }, []];
    },
    deserialize(wire) {
      const encoded = wire.isError ? (wire.value as Record<string, unknown> | null)?.[ENCODED_ERROR] : undefined;
      if (isEncodedError(encoded)) throw decodeError(encoded);
      return original.deserialize(wire);
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
}
