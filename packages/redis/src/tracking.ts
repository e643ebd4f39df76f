/**
 * The host's one invalidation connection (main thread): Redis client-side caching in broadcast
 * mode, `CLIENT TRACKING ON BCAST PREFIX <prefix>` over RESP3, whose `invalidate` pushes it turns
 * into coherence.ts's invalidate() and flush().
 *
 * Why BCAST and not the default mode with REDIRECT. In the default mode Redis remembers which
 * connection read which key, so every worker's command connection would need
 * `CLIENT TRACKING ON REDIRECT <id>` naming this connection — and again, with the new id, on every
 * reconnect of either side, a handshake across threads that a dead worker could leave half done.
 * With BCAST the worker connections are plain: only this connection speaks to Redis about
 * tracking, Redis keeps no per-key table for us (nothing to evict under tracking-table-max-keys),
 * and a reconnect is one connection's business. The price: Redis reports every write under the
 * prefix, cached here or not, and every one costs a bucket epoch (coherence.ts). Choose a prefix
 * that covers what the hosts read, not the whole keyspace of unrelated writers.
 *
 * States. After 'ready' (first connect and every reconnect) the connection turns the handshake's
 * default tracking off and BCAST on; once Redis acknowledged it, goLive() (a new generation, then
 * LIVE). Any sign of loss ('error', 'reconnecting', 'end') calls goStale() at once (STALE, a new
 * generation): gets go to Redis and fill nothing until the next goLive(). A session counter makes
 * an acknowledgement that arrives after a newer loss count for nothing. A loss is what the socket
 * reports: a peer that vanished without closing the connection (a half-open link) goes unnoticed
 * until TCP gives up on it, and until then this host serves entries no invalidation can reach.
 */
import { createClient } from 'redis';
import { Coherence } from './coherence.js';
import { reconnectStrategy } from './connection.js';
import { redisError } from './errors.js';
import { invalidateHooks } from './hooks.js';
import { STAT_RECONNECTS } from './layout.js';

/** createNearCache gives up if Redis has not acknowledged tracking this long after it was asked to connect. */
const FIRST_LIVE_MS = 10_000;

function trackingClient(url: string, strategy: (retries: number, cause: Error) => number | Error) {
  return createClient({ url, RESP: 3, emitInvalidate: true, socket: { reconnectStrategy: strategy, connectTimeout: 2000 } });
}

export class Tracking {
  readonly #client: ReturnType<typeof trackingClient>;
  readonly #coherence: Coherence;
  readonly #prefix: string;
  /** Bumped on every 'ready' and every loss: an acknowledgement counts only in its own session. */
  #session = 0;
  #live = false;
  #wentLive = 0;
  #closed = false;
  #firstLive: { resolve: () => void; reject: (error: Error) => void } | undefined;

  private constructor(url: string, prefix: string, coherence: Coherence) {
    this.#coherence = coherence;
    this.#prefix = prefix;
    const reconnect = reconnectStrategy();
    this.#client = trackingClient(url, reconnect.strategy);
    this.#client.on('invalidate', (key: unknown) => this.#onInvalidate(key));
    this.#client.on('ready', () => {
      reconnect.connected();
      void this.#establish(++this.#session);
    });
    for (const event of ['error', 'reconnecting', 'end']) this.#client.on(event, () => this.#lost());
  }

  /** Connects and resolves once tracking is on; rejects with ERR_SHARDMAP_REDIS otherwise. */
  static async open(url: string, prefix: string, coherence: Coherence): Promise<Tracking> {
    const tracking = new Tracking(url, prefix, coherence);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const live = new Promise<void>((resolve, reject) => {
      tracking.#firstLive = { resolve, reject };
      timer = setTimeout(() => reject(redisError(`tracking on ${url}`, new Error(`not acknowledged within ${FIRST_LIVE_MS} ms`))), FIRST_LIVE_MS);
    });
    live.catch(() => {}); // it may settle while connect() is still pending: handled below
    try {
      await tracking.#client.connect();
      await live;
      clearTimeout(timer);
    } catch (error) {
      clearTimeout(timer);
      await tracking.close();
      throw (error as { code?: unknown }).code === 'ERR_SHARDMAP_REDIS' ? error : redisError(`cannot open the invalidation connection to ${url}`, error);
    }
    return tracking;
  }

  /** True while Redis reports every write under the prefix to this host. */
  get live(): boolean {
    return this.#live;
  }

  #onInvalidate(key: unknown): void {
    const name = key === null ? null : Buffer.isBuffer(key) ? key.toString('utf8') : String(key);
    if (name === null) this.#coherence.flush(); // FLUSHALL / FLUSHDB
    else this.#coherence.invalidate(name);
    invalidateHooks.get(this.#coherence.views.sab)?.(name);
  }

  async #establish(session: number): Promise<void> {
    const prefix = this.#prefix === '' ? [] : ['PREFIX', this.#prefix];
    try {
      // The handshake of emitInvalidate turned default tracking on; a mode change needs OFF first.
      await this.#client.sendCommand(['CLIENT', 'TRACKING', 'OFF']);
      await this.#client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', ...prefix]);
    } catch (error) {
      // A loss meanwhile: the next 'ready' tries again. A refusal (Redis < 6): say so once.
      if (this.#firstLive !== undefined && !(error instanceof Error && /socket|closed|offline/i.test(error.message))) {
        this.#firstLive.reject(redisError('Redis refused CLIENT TRACKING ... BCAST (Redis 6 or later is needed)', error));
        this.#firstLive = undefined;
      }
      return;
    }
    // Acknowledged, and no loss since: every later write under the prefix reaches us.
    if (session !== this.#session || this.#closed || !this.#client.isReady) return;
    this.#coherence.goLive();
    this.#live = true;
    if (this.#wentLive++ > 0) this.#coherence.count(STAT_RECONNECTS);
    this.#firstLive?.resolve();
    this.#firstLive = undefined;
  }

  #lost(): void {
    this.#session++;
    if (!this.#live) return;
    this.#live = false;
    this.#coherence.goStale();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#lost();
    try {
      if (this.#client.isReady) await this.#client.close();
      else if (this.#client.isOpen) this.#client.destroy();
    } catch {
      if (this.#client.isOpen) this.#client.destroy();
    }
  }
}
