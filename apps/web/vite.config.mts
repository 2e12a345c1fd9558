import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const workspace = fileURLToPath(new URL('../..', import.meta.url));
const authTarget = process.env.WEB_AUTH_TARGET ?? `http://127.0.0.1:${process.env.AUTH_PORT ?? 3001}`;
const gatewayTarget = process.env.WEB_GATEWAY_TARGET ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 3000}`;

/**
 * React without @vitejs/plugin-react: esbuild compiles TSX with the automatic runtime.
 * The dev server proxies /auth and /gw like tools/dev/serve-web.cjs does in production.
 */
export default defineConfig({
  root,
  base: './',
  esbuild: { jsx: 'automatic' },
  resolve: {
    alias: {
      '@parley/client-sdk': `${workspace}libs/client-sdk/src/index.ts`,
      // The contracts' client entry only: their main entry (class-validator) has no alias.
      '@parley/contracts/client': `${workspace}libs/contracts/src/client.ts`,
    },
  },
  build: {
    outDir: `${workspace}dist/apps/web`,
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    port: Number(process.env.WEB_PORT ?? 4200),
    proxy: {
      '/auth': { target: authTarget, rewrite: (p) => p.replace(/^\/auth/, '') },
      '/gw': { target: gatewayTarget, ws: true, rewrite: (p) => p.replace(/^\/gw/, '') },
    },
  },
});
