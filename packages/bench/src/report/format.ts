/** Number formatting shared by the report tables. */

/** ops/s with an SI suffix: 12.3 M, 456 k, 78. */
export function fmtOps(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (v >= 1e9) return `${(v / 1e9).toPrecision(3)} G`;
  if (v >= 1e6) return `${(v / 1e6).toPrecision(3)} M`;
  if (v >= 1e3) return `${(v / 1e3).toPrecision(3)} k`;
  return v.toPrecision(3);
}

export function fmtRatio(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v >= 10 ? `${v.toFixed(0)}×` : `${v.toFixed(2)}×`;
}

export function fmtPct(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${Math.round(v * 100)}%`;
}

/** "median [min–max]" of ops/s. */
export function fmtSpread(median: number, min: number, max: number): string {
  return `${fmtOps(median)} [${fmtOps(min)}–${fmtOps(max)}]`;
}

/** A Markdown table from a header row and body rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
