import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeDiffers } from './environment.ts';

describe('codeDiffers', () => {
  // A real git history in a scratch clone: code, then a bench write-up (docs/, Markdown), then code again.
  const repo = mkdtempSync(join(tmpdir(), 'faultline-code-differs-'));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
  const commit = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(repo, path, '..'), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    git('add', '-A');
    git('commit', '-q', '-m', Object.keys(files).join(' '));
    return git('rev-parse', 'HEAD');
  };
  git('init', '-q');
  const code = commit({ 'harness/bench.ts': 'a' });
  const docs = commit({
    'docs/benches/x/bench.md': 'b',
    'docs/benches/x/bench.json': '{}',
    'README.md': 'c',
  });
  const later = commit({ 'harness/bench.ts': 'd' });

  it('finds no code between a commit and its write-up (docs/ and Markdown only)', () => {
    expect(codeDiffers(code, docs, repo)).toBe(false);
    expect(codeDiffers(docs, code, repo)).toBe(false);
  });

  it('finds code changed, and says unknown for a commit the clone does not have', () => {
    expect(codeDiffers(docs, later, repo)).toBe(true);
    expect(codeDiffers(code, 'c0d78e4a1b2c3d4e5f60718293a4b5c6d7e8f901', repo)).toBeNull();
    expect(codeDiffers(code, later, tmpdir())).toBeNull();
  });
});
