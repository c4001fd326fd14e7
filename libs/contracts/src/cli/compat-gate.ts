/**
 * Compatibility gate: `pnpm --filter @retail-backbone/contracts compat:check [--registry <url>]`.
 * Exits 1 when a schema breaks its compatibility level against an earlier version.
 */
import { Command, Option } from 'commander';
import { formatProblems, runGate } from '../compat/gate';
import { repositoryRoot } from '../compat/git-history';
import type { CompatibilityLevel } from '../topics';

const LEVELS: CompatibilityLevel[] = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'];

const program = new Command()
  .name('compat-gate')
  .description('Check every event schema against its earlier committed versions (git history) and optionally a registry')
  .option('--repo <dir>', 'repository root (default: the git root of the current directory)')
  .addOption(new Option('--default-level <level>', 'level for schema files not in the catalog').choices(LEVELS).default('BACKWARD_TRANSITIVE'))
  .option('--registry <url>', 'also compare with the versions registered in this schema registry')
  .action(async (opts: { repo?: string; defaultLevel: CompatibilityLevel; registry?: string }) => {
    const repoDir = opts.repo ?? repositoryRoot(process.cwd());
    const results = await runGate({ repoDir, defaultLevel: opts.defaultLevel, registryUrl: opts.registry });
    for (const result of results) {
      const status = result.problems.length === 0 ? 'ok' : 'FAIL';
      console.log(`${status.padEnd(4)} ${result.label.padEnd(36)} ${result.level.padEnd(20)} ${result.versionsChecked} earlier version(s)  ${result.path}`);
    }
    const lines = formatProblems(results);
    for (const line of lines) console.error(line);
    if (lines.length > 0) {
      console.error(`${lines.length} compatibility problem(s); make the change compatible or publish a new major version (new file and topic).`);
      process.exitCode = 1;
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
});
