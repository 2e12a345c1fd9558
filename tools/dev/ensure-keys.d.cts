// Types for tools/dev/ensure-keys.cjs
export interface EnsuredKeys {
  dir: string;
  privateKeyFile: string;
  publicKeyFile: string;
  messageKeysFile: string;
  /** file names created by this call (empty when all existed) */
  created: string[];
}
export function ensureKeys(dir?: string): EnsuredKeys;
export const DEFAULT_DIR: string;
