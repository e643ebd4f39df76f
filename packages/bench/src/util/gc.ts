/**
 * A full garbage collection of this isolate, at the start of each cell (before its first run's
 * barrier, so unmeasured).
 *
 * Every run allocates a fresh map in a SharedArrayBuffer. Its memory goes back only once every
 * isolate that saw the buffer has collected its wrapper, and workers that allocate little JS heap
 * (or the main thread, between runs) seldom collect on their own: a long bench of large maps grew
 * to 24 GiB and was killed. Collecting once per cell keeps one cell's maps alive at a time.
 *
 * Not before every run: a forced full GC leaves the next run slower (measured: LoadMostlyHits at
 * 2 threads 15-21 M ops/s without, 7-9 M with), as if its code had to warm up again. The cell's
 * warm-up run absorbs that.
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
