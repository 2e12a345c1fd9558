import { join } from 'node:path';
import { ROOT } from './repo';

// Plain CommonJS scripts of the repo, shared with the Dockerfile and the dev stack; their types sit beside them.
type RuntimeDeps = typeof import('../../../../docker/runtime-deps.cjs');
type EnsureKeys = typeof import('../../../dev/ensure-keys.cjs');
type SupervisorModule = typeof import('../../../dev/supervisor.cjs');

export const runtimeDeps = require(join(ROOT, 'docker/runtime-deps.cjs')) as RuntimeDeps;
export const ensureKeys = (require(join(ROOT, 'tools/dev/ensure-keys.cjs')) as EnsureKeys).ensureKeys;
export const stackEnv = (require(join(ROOT, 'tools/dev/supervisor.cjs')) as SupervisorModule).stackEnv;
