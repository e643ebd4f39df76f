/**
 * The cache traces of shared/traces/ (see its README): LIRS text traces (gzip, one integer key per
 * line) and cache2k binary traces (xz, big-endian int32 keys). Each is read whole into an
 * Int32Array of keys. `.gz` is decompressed with node:zlib; `.xz` with `xz -dc` when /usr/bin/xz
 * exists (Debian's xz-utils), else the trace is skipped with a note: no xz decoder ships with Node.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface Trace {
  readonly name: string;
  readonly keys: Int32Array;
  /** Cache sizes to replay at: the README's two, then one more. */
  readonly sizes: readonly number[];
}

interface TraceFile {
  readonly name: string;
  readonly file: string;
  readonly sizes: readonly number[];
}

/** The README's sizes, plus one more per trace (a smaller or larger cache, where the policies part). */
export const TRACE_FILES: readonly TraceFile[] = [
  { name: 'multi1', file: 'multi1.trace.gz', sizes: [500, 1000, 1500] },
  { name: 'zigzag', file: 'zigzag.trace.gz', sizes: [300, 600, 1200] },
  { name: 'scan', file: 'scan.trace.gz', sizes: [200, 400, 800] },
  { name: 'cpp', file: 'cpp.trace.gz', sizes: [100, 200, 500] },
  { name: 'orm-night', file: 'orm-night.trace.xz', sizes: [500, 1000, 2000, 8000] },
  { name: 'web12', file: 'web12.trace.xz', sizes: [1000, 2000, 4000] },
];

export const DEFAULT_TRACE_DIR = '/work/shared/traces';
const XZ = '/usr/bin/xz';

function parseText(text: string): Int32Array {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const s = line.trim();
    // Lines that are not a number (headers, blanks) are skipped, as the README says.
    if (s === '' || !/^-?\d+$/.test(s)) continue;
    out.push(Number(s) | 0);
  }
  return Int32Array.from(out);
}

function parseBigEndianInt32(bytes: Buffer): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(bytes.byteLength >>> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, false);
  return out;
}

/** One trace's keys, or a note saying why it cannot be read here. */
export function readTrace(dir: string, file: string): Int32Array | string {
  const full = path.join(dir, file);
  if (!fs.existsSync(full)) return `${full} not found`;
  if (file.endsWith('.gz')) return parseText(gunzipSync(fs.readFileSync(full)).toString('latin1'));
  if (file.endsWith('.xz')) {
    if (!fs.existsSync(XZ)) return `${XZ} not found (install xz-utils) to read ${file}`;
    return parseBigEndianInt32(execFileSync(XZ, ['-dc', full], { maxBuffer: 1 << 30 }));
  }
  return `unknown trace format: ${file}`;
}

/** Every trace that can be read (optionally only those named), and a note per trace skipped. */
export function loadTraces(dir: string, only?: readonly string[], log: (line: string) => void = () => {}): Trace[] {
  const traces: Trace[] = [];
  for (const t of TRACE_FILES) {
    if (only && !only.includes(t.name)) continue;
    const keys = readTrace(dir, t.file);
    if (typeof keys === 'string') log(`note: trace ${t.name} skipped: ${keys}`);
    else traces.push({ name: t.name, keys, sizes: t.sizes });
  }
  return traces;
}
