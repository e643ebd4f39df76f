/**
 * Wire format between postMessage clients and the thread that owns the Map.
 *
 * A request is a small array `[op, key, a, b]` (structured-cloned, like any message a user would
 * send); a reply is one value. Replies on a port come back in request order, which is what lets
 * a client pipeline without request ids.
 *
 * Reply signalling: after posting each reply the owner bumps the client's word in a shared
 * Int32Array and notifies it. A client that needs a reply synchronously parks on that word with
 * Atomics.wait and then takes the message with receiveMessageOnPort. The message itself, its
 * cloning and the owner's event-loop dispatch are exactly what an async client pays; only the
 * client's wake-up path differs (a futex instead of its own event loop), so workloads can stay
 * synchronous.
 */
export const Op = {
  get: 0,
  set: 1,
  insert: 2,
  update: 3,
  delete: 4,
  loadOrStore: 5,
  loadAndDelete: 6,
  swap: 7,
  compareAndSwap: 8,
  compareAndDelete: 9,
  rangeAll: 10,
  rangeDeleteFirst: 11,
  clear: 12,
  size: 13,
  bulkInsert: 14,
} as const;

export type OpCode = (typeof Op)[keyof typeof Op];

/** `[op, key, a, b]`; bulkInsert sends `[op, keys, value]`. */
export type Request = readonly [OpCode, number, number?, number?] | readonly [OpCode, Float64Array, number];

/**
 * Each client's signal word sits alone on a 64-byte line (16 Int32 slots) so that the owner's
 * bumps for one client never invalidate another client's line while it spins or parks.
 */
export const SIGNAL_STRIDE = 16;
