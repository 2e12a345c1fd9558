import type { Server } from 'node:http';

export interface WebServerOptions {
  /** The built client (dist/apps/web). */
  root: string;
  /** Where /auth/* goes, e.g. http://127.0.0.1:3001 */
  authTarget: string;
  /** Where /gw/* and its WebSocket upgrades go, e.g. http://127.0.0.1:3000 */
  gatewayTarget: string;
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** What /config.json tells the app; default the proxy paths ./auth and ./gw. */
  publicAuthUrl?: string;
  publicGatewayUrl?: string;
}

export interface WebServer {
  server: Server;
  /** http://host:port/ */
  url: string;
  close(): Promise<void>;
}

export function startWebServer(options: WebServerOptions): Promise<WebServer>;
