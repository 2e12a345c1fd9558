import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { TestStack, WORKSPACE_ROOT, freePort } from '@parley/shared/testing';
import { startWebServer, type WebServer } from './web-server';
import { AppPage } from './app-page';
import { launchChromium, newUserContext } from './browser';

/** What a web-client test file works with; filled in by the enclosing describe's beforeAll. */
export interface WebStack {
  stack: TestStack;
  /** tools/dev/serve-web.cjs: the built web client and a same-origin proxy to auth and the gateway. */
  web: WebServer;
  browser: Browser;
  /** Screenshot paths, listed after the file ran. */
  shots: string[];
  /** A new person signed up in a browser context of their own. */
  person(name: string): Promise<AppPage>;
}

/**
 * The whole stack (one gateway), the web client's server and Chromium for the enclosing
 * `describe`: started in its beforeAll, stopped in its afterAll.
 */
export function useWebStack(label: string): WebStack {
  const fixture = {
    shots: [] as string[],
    person: async (name: string) => AppPage.signUp(await newUserContext(fixture.browser), fixture.web.url, name),
  } as WebStack;

  beforeAll(async () => {
    // The proxy passes the page's Origin on: the gateway lets Socket.IO in from allowed origins only.
    const webPort = await freePort();
    fixture.stack = await TestStack.start({ label, gateways: 1, env: { CORS_ORIGINS: `http://127.0.0.1:${webPort}` } });
    fixture.web = await startWebServer({
      root: join(WORKSPACE_ROOT, 'dist/apps/web'),
      authTarget: fixture.stack.authUrl,
      gatewayTarget: fixture.stack.gatewayUrl,
      port: webPort,
    });
    fixture.browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await fixture.browser?.close();
    await fixture.web?.close();
    await fixture.stack?.stop();
    if (fixture.shots.length) console.log(`screenshots:\n${fixture.shots.join('\n')}`);
  });

  return fixture;
}
