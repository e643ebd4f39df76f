/**
 * The example and the browser tests are bundled by esbuild and run by vitest, neither of which
 * type-checks, and the root `tsc -b` covers only packages/. This keeps them strict-clean.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsc = `${root}node_modules/typescript/bin/tsc`;
const PROJECTS = ['examples/browser/tsconfig.json', 'examples/browser/tsconfig.node.json', 'tests/browser/fixtures/tsconfig.json'];

describe('browser example and tests', () => {
  it.concurrent.each(PROJECTS)('%s type-checks', async (project) => {
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', project, '--pretty', 'false'], { cwd: root }).catch(
      (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? String(error), failed: true }),
    );
    expect('failed' in result ? `${result.stdout}${result.stderr}` : '').toBe('');
  });
});
