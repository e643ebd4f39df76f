/**
 * A full garbage collection of this isolate, before each run (unmeasured: before the barrier).
 *
 * Every run allocates a fresh map in a SharedArrayBuffer. Its memory goes back only once every
 * isolate that saw the buffer has collected its wrapper, and workers that allocate little JS heap
 * (or the main thread, between runs) seldom collect on their own: a long bench of large maps grew
 * to 24 GiB and was killed. Collecting before each run keeps one run's maps alive at a time.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
