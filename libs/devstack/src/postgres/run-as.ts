import { execFileSync } from 'node:child_process';

/** uid/gid to pass to spawn; empty when we are not root and run as ourselves. */
export interface RunAs {
  uid?: number;
  gid?: number;
  /** OS account name, for messages only. */
  name: string;
}

const SERVICE_USER = 'postgres';

function lookupIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL refuses to run as root, so under root (CI containers) the server runs as an
 * unprivileged `postgres` account, created on first use when the machine has none.
 */
export function resolveRunAs(): RunAs {
  const uid = process.getuid?.();
  if (uid !== 0) return { name: process.env.USER ?? String(uid ?? 'current user') };
  let ids = lookupIds(SERVICE_USER);
  if (!ids) {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', SERVICE_USER], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch (err) {
      // A concurrent start may have created it in the meantime; only fail if it is still missing.
      ids = lookupIds(SERVICE_USER);
      if (!ids) {
        throw new Error(`running as root and could not create the unprivileged '${SERVICE_USER}' user PostgreSQL needs: ${(err as Error).message}`);
      }
    }
    ids = ids ?? lookupIds(SERVICE_USER);
    if (!ids) throw new Error(`user '${SERVICE_USER}' was created but cannot be looked up`);
  }
  return { ...ids, name: SERVICE_USER };
}
