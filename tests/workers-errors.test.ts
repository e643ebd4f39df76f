// Errors keep their code, class, name and message across pool.run() and comlink calls: structured
// clone alone drops `code` (and comlink rebuilds every error as a plain Error).
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ShardedMap } from '@shardmap/core';
import { createMapPool, type MapPool } from '@shardmap/workers';
import { nodeEndpoint, wrapMapWorker, type MapWorker } from '@shardmap/workers/comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provoke } from './fixtures/workers-errors-provoke.mjs';

const PROVOKE = new URL('./fixtures/workers-errors-provoke.mjs', import.meta.url);
const COMLINK_WORKER = new URL('./fixtures/workers-errors-comlink.mjs', import.meta.url);

/** Every code the packages throw, read from their sources so a new code is covered too. */
const CODES = ['../packages/core/src/errors.ts', '../packages/workers/src/errors.ts'].flatMap((file) => [
  ...new Set(readFileSync(new URL(file, import.meta.url), 'utf8').match(/'ERR_SHARDMAP_[A-Z_]+'/g)!.map((q) => q.slice(1, -1))),
]);

type Spec = { what: string; code?: string; type?: string };
type Caller = (spec: Spec) => Promise<unknown>;

function thrownHere(spec: Spec): Error {
  try {
    provoke(spec);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${spec.what} threw nothing`);
}

async function rejection(call: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call resolved');
}

/** The error from the other thread is the error thrown here: class, name, message, code, cause. */
function expectSameError(actual: unknown, expected: Error): void {
  expect(actual).toBeInstanceOf(Error);
  const error = actual as Error & { code?: unknown };
  expect(Object.getPrototypeOf(error)).toBe(Object.getPrototypeOf(expected));
  expect(error.name).toBe(expected.name);
  expect(error.message).toBe(expected.message);
  expect(error.code).toBe((expected as { code?: unknown }).code);
  expect(typeof error.stack).toBe('string');
}

const REAL_CASES: readonly [string, string, ErrorConstructor][] = [
  ['full', 'ERR_SHARDMAP_FULL', RangeError],
  ['value', 'ERR_SHARDMAP_VALUE', TypeError],
  ['not-numeric', 'ERR_SHARDMAP_VALUE', TypeError],
  ['key', 'ERR_SHARDMAP_KEY', TypeError],
  ['option', 'ERR_SHARDMAP_OPTION', RangeError],
  ['bad-buffer', 'ERR_SHARDMAP_BAD_BUFFER', Error],
  ['reentrant', 'ERR_SHARDMAP_REENTRANT', Error],
];

/** The cases every path must carry, given a way to run `provoke(spec)` in another thread. */
function carriesErrors(call: () => Caller): void {
  it.each(REAL_CASES)('%s: %s as a %o, as thrown in the thread', async (what, code, type) => {
    const expected = thrownHere({ what });
    expect(expected).toBeInstanceOf(type);
    expect((expected as { code?: unknown }).code).toBe(code);
    expectSameError(await rejection(call()({ what })), expected);
  });

  it(`every coded error (${CODES.length} codes) as Error, TypeError and RangeError`, async () => {
    expect(CODES).toContain('ERR_SHARDMAP_WORKERS_NO_HANDLER');
    expect(CODES).toContain('ERR_SHARDMAP_NO_SHARED_MEMORY');
    for (const code of CODES) {
      for (const type of ['Error', 'TypeError', 'RangeError']) {
        const spec = { what: 'coded', code, type };
        expectSameError(await rejection(call()(spec)), thrownHere(spec));
      }
    }
  });

  it("a user's subclass: its built-in base class, name, code, own properties and coded cause", async () => {
    const error = await rejection(call()({ what: 'custom' }));
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({ name: 'QuotaError', message: 'quota exceeded', code: 'ERR_QUOTA', limit: 10 });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect(error.cause).toMatchObject({ message: 'inner', code: 'ERR_INNER' });
  });

  it('a thrown non-error arrives as it was thrown', async () => {
    await expect(call()({ what: 'string' })).rejects.toBe('a plain string');
  });
}

describe('errors across pool.run()', () => {
  let pool: MapPool;
  beforeAll(() => {
    pool = createMapPool({ maps: { m: ShardedMap.create() }, threads: 1, filename: PROVOKE });
  });
  afterAll(() => pool?.close());

  carriesErrors(() => (spec) => pool.run(spec));

  it("the pool's own ERR_SHARDMAP_WORKERS_NO_HANDLER", async () => {
    const error = await rejection(pool.run({}, { name: 'nope' }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_SHARDMAP_WORKERS_NO_HANDLER');
    expect(error.message).toMatch(/has no exported function "nope"/);
  });

  it('ERR_SHARDMAP_WORKERS_ATTACH, with the coded core error as its cause', async () => {
    const threadErrors: Error[] = [];
    const broken = createMapPool({
      maps: { m: { handle: { buffer: new ArrayBuffer(8) } } as unknown as ShardedMap },
      threads: 1,
      filename: PROVOKE,
      onThreadError: (error) => threadErrors.push(error),
    });
    try {
      const error = await rejection(broken.run({ what: 'string' }));
      expect(error).toMatchObject({ code: 'ERR_SHARDMAP_WORKERS_ATTACH', message: expect.stringMatching(/could not attach map "m"/) });
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.cause).toMatchObject({ code: 'ERR_SHARDMAP_BAD_BUFFER' });
    } finally {
      await broken.close();
    }
    // Closing cannot recover a map no thread attached: said through onThreadError, not thrown.
    expect(threadErrors.map((e) => (e as { code?: unknown }).code)).toEqual(['ERR_SHARDMAP_BAD_BUFFER']);
  });
});

describe('errors across comlink calls over nodeEndpoint', () => {
  type Functions = { provoke(map: ShardedMap, spec: Spec): never };
  let thread: Worker;
  let worker: MapWorker<Functions>;
  beforeAll(async () => {
    thread = new Worker(COMLINK_WORKER);
    worker = wrapMapWorker<Functions>(nodeEndpoint(thread));
    await worker.attachMap(ShardedMap.create().handle);
  });
  afterAll(() => thread?.terminate());

  carriesErrors(() => (spec) => worker.provoke(spec));
});
