import type { Command } from 'commander';
import type { ReleaseChanges } from '../../core/release-format.ts';
import { parseVersion } from '../../core/version.ts';
import type { CliIo } from '../io.ts';
import { jsonOption, printJson, releasesOption } from '../options.ts';

function describe(changes: ReleaseChanges): string {
  const lines = [`${changes.from} → ${changes.to}: ${Object.keys(changes.classes).length} class(es) changed`];
  for (const [name, c] of Object.entries(changes.classes)) {
    const parts = new Map<string, number>();
    for (const { fields } of c.changed) for (const f of fields) parts.set(f, (parts.get(f) ?? 0) + 1);
    const detail = [...parts].map(([f, n]) => `${n} ${f}`).join(', ');
    lines.push(
      `${name}: ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed${detail ? ` (${detail})` : ''}`,
    );
    for (const id of c.added) lines.push(`  + ${id}`);
    for (const id of c.removed) lines.push(`  - ${id}`);
    for (const { id, fields } of c.changed) lines.push(`  ~ ${id}  ${fields.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `geobundle diff <from> <to>`: what changed between two releases, per class and district. */
export function register(program: Command, io: CliIo): void {
  program
    .command('diff')
    .description(
      'what changed from one release to another, per class: ids added, removed and changed, and for each changed ' +
        'id which parts (geometry, name, census, wikipedia)',
    )
    .argument('<from>', 'the older release, e.g. v1.0.1')
    .argument('<to>', 'the newer release, e.g. v1.0.2')
    .addOption(releasesOption(io))
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Each release also records this against the release it was built after, in its
changes.json (served at /api/v1/releases/<version>/changes).

Examples:
  geobundle diff v1.0.1 v1.0.2
  geobundle diff v1.0.1 v1.0.2 --json | jq '.classes.congressional_districts.changed | length'`,
    )
    .action(async (from: string, to: string, opts: { releases: string; json?: boolean }) => {
      const { diffReleases } = await import('../../pipeline/release/changes.ts');
      const { readManifest } = await import('../../pipeline/release/store/manifest-file.ts');
      const { releaseDir } = await import('../../pipeline/release/store/versions.ts');
      const read = (version: string) => {
        const dir = releaseDir(opts.releases, version);
        return { version: parseVersion(version), dir, classes: readManifest(dir).classes };
      };
      const changes = await diffReleases(read(from), read(to));
      if (opts.json) printJson(io, changes);
      else io.stdout.write(describe(changes));
    });
}
