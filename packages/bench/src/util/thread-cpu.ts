/**
 * CPU time consumed by the calling thread, from Linux's /proc/thread-self/stat (Node 20 has no
 * per-thread CPU clock; process.threadCpuUsage arrived in Node 23).
 *
 * Why the harness wants it: on a shared 2-core machine a "slow" multi-thread run is often a run
 * whose threads were not on a CPU. CPU time ÷ wall time per thread (the CPU share) tells those
 * apart from real contention inside the map. Resolution is one clock tick (10 ms), so it is
 * meaningful for runs of a few hundred milliseconds and more.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc; 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

/** Milliseconds of CPU (user + system) this thread has used, or undefined off Linux. */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the parenthesised command name (which may contain spaces) start at field 3;
    // utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}
