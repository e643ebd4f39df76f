/**
 * The docs hold together: every relative link and image of the READMEs and docs/*.md points at a
 * file that exists, the root README links the benchmark figures, and docs/benchmarks.md shows its
 * charts (committed SVGs) and says what machine, Node and runs its figures come from.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const DOCS = [
  'README.md',
  ...readdirSync(join(root, 'packages')).map((dir) => `packages/${dir}/README.md`).filter((file) => existsSync(join(root, file))),
  ...readdirSync(join(root, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`),
];

/** Relative targets of `[text](target)` and `![alt](target)`, outside code fences and spans. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/^```[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!.split('#')[0]!)
    .filter((target) => target !== '' && !/^[a-z]+:/i.test(target));
}

describe('the docs', () => {
  it.each(DOCS)('%s: every relative link resolves', (file) => {
    const missing = relativeLinks(file).filter((target) => !existsSync(join(root, dirname(file), target)));
    expect(missing).toEqual([]);
  });

  it('the root README links docs/benchmarks.md', () => {
    expect(relativeLinks('README.md')).toContain('docs/benchmarks.md');
  });

  it('docs/benchmarks.md shows committed SVG charts and names the machine, Node and the runs', () => {
    const text = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8');
    const charts = [...text.matchAll(/!\[[^\]]*\]\(([^)]+\.svg)\)/g)].map((match) => match[1]!);
    expect(charts.length).toBeGreaterThanOrEqual(5);
    for (const chart of charts) expect(readFileSync(join(root, 'docs', chart), 'utf8').trimStart().startsWith('<svg'), chart).toBe(true);
    expect(text).toMatch(/\*\*2 cores\*\*/);
    expect(text).toMatch(/\*\*shared\*\*/);
    expect(text).toMatch(/Node \| v\d+\.\d+\.\d+/);
    expect(text).toMatch(/3 measured runs/);
    expect(text).toMatch(/\[min–max\]/);
  });
});
