// tools/dev/serve-web.cjs is the plain CommonJS server `npm start` runs; its types sit beside it.
// eslint-disable-next-line @nx/enforce-module-boundaries
export { startWebServer, type WebServer } from '../../../tools/dev/serve-web.cjs';
