import type { FaultStack } from './fault-stack';

/**
 * Searches every log line the stack's apps wrote (stdout and stderr of each process, as the
 * supervisor recorded them) for each secret; answers where any was found.
 */
export function expectNoSecretsInLogs(
  fs: FaultStack,
  secrets: string[],
): { hits: string[]; bytes: number; searched: number } {
  const logs = fs.appLogs();
  const wanted = [...new Set(secrets.filter((s) => s.length >= 8))];
  const hits: string[] = [];
  let bytes = 0;
  for (const [app, text] of Object.entries(logs)) {
    bytes += text.length;
    for (const secret of wanted) {
      const at = text.indexOf(secret);
      if (at >= 0)
        hits.push(
          `${app}: ${secret.slice(0, 12)}... in "${text.slice(Math.max(0, at - 80), at + 20).replace(/\s+/g, ' ')}"`,
        );
    }
  }
  return { hits, bytes, searched: wanted.length };
}
