import type { NatsPermissions } from '@parley/contracts';

/** Permissions with their subjects sorted: the generated files list them in a stable order. */
export function sortedPermissions(perms: NatsPermissions): NatsPermissions {
  const list = (rule: { allow: string[] } | { deny: string[] }) =>
    'allow' in rule ? { allow: [...rule.allow].sort() } : { deny: [...rule.deny].sort() };
  return JSON.parse(
    JSON.stringify({ ...perms, publish: list(perms.publish), subscribe: list(perms.subscribe) }),
  ) as NatsPermissions;
}
