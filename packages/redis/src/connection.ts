/**
 * The node-redis clients this package opens: one command client per NearCache instance (GET, SET,
 * DEL of its own thread), and the host's one tracking client (tracking.ts). Every Redis error
 * that leaves this package is wrapped by redisError (ERR_SHARDMAP_REDIS).
 *
 * Command clients fail fast while disconnected (disableOfflineQueue): a get that cannot reach
 * Redis rejects at once instead of queueing behind a reconnect, and the caller decides whether to
 * retry. Both kinds reconnect by themselves, every RECONNECT_STEP_MS × attempt up to
 * RECONNECT_MAX_MS: a restarted Redis is back in use within half a second.
 */
import { createClient } from 'redis';
import { redisError } from './errors.js';

export type CommandClient = ReturnType<typeof createClient>;

/** Linear back-off: 50, 100, … 500 ms. Short, since a near cache bypasses to Redis meanwhile. */
const RECONNECT_STEP_MS = 50;
const RECONNECT_MAX_MS = 500;
/** Attempts before the first connection gives up (create/attach reject with ERR_SHARDMAP_REDIS). */
const FIRST_CONNECT_ATTEMPTS = 3;

/** Reconnects forever once connected; before that, gives up after FIRST_CONNECT_ATTEMPTS. */
export function reconnectStrategy(): { strategy: (retries: number, cause: Error) => number | Error; connected: () => void } {
  let everConnected = false;
  return {
    strategy: (retries, cause) => (everConnected || retries < FIRST_CONNECT_ATTEMPTS ? Math.min(RECONNECT_STEP_MS * (retries + 1), RECONNECT_MAX_MS) : cause),
    connected: () => void (everConnected = true),
  };
}

/** A connected command client for `url`; rejects with ERR_SHARDMAP_REDIS if Redis cannot be reached. */
export async function openCommandClient(url: string): Promise<CommandClient> {
  const reconnect = reconnectStrategy();
  const client = createClient({ url, disableOfflineQueue: true, socket: { reconnectStrategy: reconnect.strategy, connectTimeout: 2000 } });
  // Errors reach the callers through their commands; the event only has to be listened to.
  client.on('error', () => {});
  client.on('ready', reconnect.connected);
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw redisError(`cannot connect to ${url}`, error);
  }
  return client;
}

/** Closes a client: QUIT if it is connected, else drops the socket. Never rejects. */
export async function closeClient(client: { isReady: boolean; isOpen: boolean; close(): Promise<unknown>; destroy(): void }): Promise<void> {
  try {
    if (client.isReady) await client.close();
    else if (client.isOpen) client.destroy();
  } catch {
    if (client.isOpen) client.destroy();
  }
}
