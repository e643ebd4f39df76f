/**
 * Named kill points: `killPoint('module.write.step')` marks the statement boundary a test may stop
 * a thread at, so that crash recovery is proven at every point of every write, not only where a
 * random kill happens to land (the windows between two statements are too narrow to hit).
 *
 * The shipped bundle has none of them: rollup.config.mjs strips every `killPoint(...)` statement
 * from dist/bundle (a test checks the bundle holds no `killPoint`). Only dist/kill/, built for the
 * tests, keeps them. There a test arms one point in a worker (armKillPoint): the first time that
 * worker reaches it, it raises the flag and parks for good; the test then terminates it and runs
 * ShardedMap.recoverThread, exactly as a pool does for a worker killed mid-task.
 *
 * A point is also a pause: a test that stages an interleaving across threads (cache/flight.ts's
 * `flight.*` points) parks one thread at a point, drives the others, then resumes it with
 * resumeKillPoint; the thread goes on as if it had never stopped, and the point is disarmed.
 */

interface Armed {
  name: string;
  /** Hits to let pass before parking (to reach the n-th visit of a point). */
  skip: number;
  /** [0]: set to 1 when parked; [1]: the park waits while it is 0 (resumeKillPoint sets it). */
  flag: Int32Array;
}

let armed: Armed | undefined;
let visited: Set<string> | undefined;

/** Test-only: park this thread at the next (skip+1-th) visit of point `name`, raising flag[0]. */
export function armKillPoint(name: string, flag: SharedArrayBuffer, skip = 0): void {
  armed = { name, skip, flag: new Int32Array(flag) };
}

export function disarmKillPoint(): void {
  armed = undefined;
}

/** Test-only: from now on, record the name of every point reached (the returned set fills up). */
export function traceKillPoints(): Set<string> {
  return (visited = new Set());
}

/** Test-only, from any thread: lets the thread parked on `flag` go on (a pause, not a kill). */
export function resumeKillPoint(flag: SharedArrayBuffer): void {
  const f = new Int32Array(flag);
  Atomics.store(f, 1, 1);
  Atomics.notify(f, 1);
}

export function killPoint(name: string): void {
  visited?.add(name);
  const a = armed;
  if (a === undefined || a.name !== name) return;
  if (a.skip-- > 0) return;
  Atomics.store(a.flag, 0, 1);
  Atomics.notify(a.flag, 0);
  while (Atomics.load(a.flag, 1) === 0) Atomics.wait(a.flag, 1, 0);
  armed = undefined; // resumed: the point fires once
}
