import type { Command } from 'commander';
import type { CliIo } from '../io.ts';

/** `geobundle nginx-config`: the production site file, for /etc/nginx/sites-available/. */
export function register(program: Command, io: CliIo): void {
  program
    .command('nginx-config')
    .description(
      'print the production nginx site file (the server `geobundle serve` runs, for a Debian host with TLS); ' +
        'nginx/sites/geobundle.conf.example is its output',
    )
    .addHelpText(
      'after',
      `
It includes the files of nginx/geobundle/, which go to /etc/nginx/geobundle/.

Example:
  geobundle nginx-config > /etc/nginx/sites-available/geobundle.conf`,
    )
    .action(async () => {
      const { productionSite } = await import('../../serve/production-site.ts');
      io.stdout.write(productionSite());
    });
}
