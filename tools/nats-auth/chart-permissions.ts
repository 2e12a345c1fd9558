import { NATS_APPS, natsPermissions, type NatsPermissions } from '../../libs/contracts/src';

/** Where the chart reads each app's NATS permissions (templates/nats-config.yaml). */
export const CHART_PERMISSIONS_FILE = 'helm/parley/files/nats-permissions.json';

/**
 * The chart's copy of every app's NATS permissions, from natsPermissions() (libs/contracts):
 * nats-server's authorization block of the bundled NATS and the allow-lists an external NATS
 * must be given. Subjects without NATS_SUBJECT_PREFIX (the chart leaves it empty).
 */
export function chartPermissionsJson(): string {
  const users = Object.fromEntries(NATS_APPS.map((app) => [app, sorted(natsPermissions(app))]));
  const doc = {
    $comment: 'Generated from libs/contracts by `node tools/nats-auth/chart-permissions.cjs`; do not edit.',
    users,
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Subjects in a stable order: the contracts' module order depends on how TypeScript is loaded. */
function sorted(perms: NatsPermissions): NatsPermissions {
  const list = (rule: { allow: string[] } | { deny: string[] }) =>
    'allow' in rule ? { allow: [...rule.allow].sort() } : { deny: [...rule.deny].sort() };
  return { ...perms, publish: list(perms.publish), subscribe: list(perms.subscribe) };
}
