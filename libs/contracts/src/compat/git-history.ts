/**
 * Earlier committed versions of one event schema, each resolved with the shared records as they
 * were in the same commit (a change to schemas/common changes every schema using it).
 */
import { execFileSync } from 'node:child_process';
import { COMMON_DIR } from '../schema-files';
import { commonTypesFrom, parseSchemaText, resolveSchema } from '../schema-resolution';
import type { EarlierVersion } from './compatibility';

function git(repoDir: string, args: string[]): string {
  return execFileSync('git', args, { cwd: repoDir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

function gitOrUndefined(repoDir: string, args: string[]): string | undefined {
  try {
    return git(repoDir, args);
  } catch {
    return undefined;
  }
}

export function repositoryRoot(dir: string): string {
  return git(dir, ['rev-parse', '--show-toplevel']).trim();
}

function hasCommits(repoDir: string): boolean {
  return gitOrUndefined(repoDir, ['rev-parse', '--verify', '--quiet', 'HEAD']) !== undefined;
}

/** (commit, path at that commit) for every commit touching the file, following renames; newest first. */
function followLog(repoDir: string, path: string): Array<{ commit: string; path: string }> {
  const out = git(repoDir, ['log', '--follow', '--name-only', '--format=%x01%H', '--', path]);
  return out
    .split('\x01')
    .map((chunk) => chunk.trim().split('\n').filter(Boolean))
    .filter((lines) => lines.length >= 2)
    .map(([commit, ...paths]) => ({ commit: commit as string, path: paths[paths.length - 1] as string }));
}

export class GitSchemaHistory {
  private readonly commonByCommit = new Map<string, Map<string, Record<string, unknown>>>();
  private readonly order: Map<string, number>;
  private readonly commonCommits: string[];

  constructor(readonly repoDir: string) {
    const commits = hasCommits(repoDir) ? git(repoDir, ['rev-list', '--topo-order', 'HEAD']).split('\n').filter(Boolean) : [];
    this.order = new Map(commits.map((commit, index) => [commit, index]));
    this.commonCommits = commits.length > 0 ? git(repoDir, ['log', '--format=%H', '--', COMMON_DIR]).split('\n').filter(Boolean) : [];
  }

  private commonAt(commit: string): Map<string, Record<string, unknown>> {
    let common = this.commonByCommit.get(commit);
    if (!common) {
      const names = (gitOrUndefined(this.repoDir, ['ls-tree', '--name-only', `${commit}:${COMMON_DIR}`]) ?? '')
        .split('\n')
        .filter((name) => name.endsWith('.avsc'));
      common = commonTypesFrom(
        names.map((name) => ({ path: `${COMMON_DIR}/${name}`, text: git(this.repoDir, ['show', `${commit}:${COMMON_DIR}/${name}`]) })),
      );
      this.commonByCommit.set(commit, common);
    }
    return common;
  }

  /** Distinct resolved versions of the schema at `path` in HEAD's history, newest first. */
  earlierVersions(path: string): EarlierVersion[] {
    if (this.order.size === 0) return [];
    const own = followLog(this.repoDir, path);
    if (own.length === 0) return [];
    const rank = (commit: string) => this.order.get(commit) ?? Number.MAX_SAFE_INTEGER;
    const candidates = [...new Set([...own.map((e) => e.commit), ...this.commonCommits])].sort((a, b) => rank(a) - rank(b));
    const versions: EarlierVersion[] = [];
    const seen = new Set<string>();
    for (const commit of candidates) {
      // The file's name at this commit: the one recorded by its nearest own commit at or before it.
      const pathAt = own.find((entry) => rank(entry.commit) >= rank(commit))?.path;
      if (!pathAt) continue;
      const text = gitOrUndefined(this.repoDir, ['show', `${commit}:${pathAt}`]);
      if (text === undefined) continue;
      const schema = resolveSchema(parseSchemaText(`${commit.slice(0, 7)}:${pathAt}`, text), this.commonAt(commit));
      const key = JSON.stringify(schema);
      if (seen.has(key)) continue;
      seen.add(key);
      versions.push({ label: commit.slice(0, 7), schema: schema as object });
    }
    return versions;
  }
}
