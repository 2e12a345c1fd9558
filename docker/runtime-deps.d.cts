/** Types of runtime-deps.cjs (for tools/deploy-checks). */
export interface RuntimeDeps {
  app: string;
  /** Packages the bundle require()s (node builtins excluded). */
  required: string[];
  /** Packages added to the generated package.json (name -> version from the workspace lock). */
  added: Record<string, string>;
  /** Packages the bundle needs that `npm install --omit=dev` would not install. */
  missing: string[];
  dependencies: Record<string, string>;
}
export function analyse(distDir: string, workspaceLockFile: string): RuntimeDeps;
export function complete(distDir: string, workspaceLockFile: string): RuntimeDeps;
export function externalRequires(bundleSource: string): string[];
export function packageName(specifier: string): string;
export const DYNAMIC_REQUIRES: Record<string, string[]>;
