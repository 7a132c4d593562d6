import { findNginx } from '../../serve/nginx-binary.ts';

/** Why nginx tests skip, or null when nginx is installed. */
export async function nginxMissingReason(): Promise<string | null> {
  const nginx = await findNginx();
  return nginx
    ? null
    : 'nginx is not installed (scripts/install-system-deps.sh test installs it; CI runs it via make test)';
}
