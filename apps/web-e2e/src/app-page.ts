import { randomUUID } from 'node:crypto';
import type { BrowserContext, Locator, Page } from 'playwright-core';

export const PASSWORD = 'password-123';

function uniqueUsername(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 8)}`;
}

/** One person using the web client in their own browser context. */
export class AppPage {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly username: string,
    readonly displayName: string,
  ) {}

  static async signUp(context: BrowserContext, url: string, displayName: string): Promise<AppPage> {
    const page = await context.newPage();
    page.on('pageerror', (err) => console.error(`[${displayName}] page error: ${err.message}`));
    await page.goto(url);
    const username = uniqueUsername(displayName.toLowerCase());
    await page.getByRole('tab', { name: 'Sign up' }).click();
    await page.locator('input[name=username]').fill(username);
    await page.locator('input[name=displayName]').fill(displayName);
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByTestId('me-name').waitFor();
    return new AppPage(context, page, username, displayName);
  }

  chatItem(title: string): Locator {
    return this.page
      .getByTestId('chat-item')
      .filter({ has: this.page.getByTestId('chat-title').getByText(title, { exact: true }) });
  }

  async startDirectChat(username: string): Promise<void> {
    await this.page.getByRole('button', { name: 'New chat' }).click();
    await this.page.locator('input[name=usernames]').fill(username);
    await this.page.getByRole('button', { name: 'Chat', exact: true }).click();
    await this.page.getByTestId('conversation').waitFor();
  }

  async createGroup(title: string, usernames: string[]): Promise<void> {
    await this.page.getByRole('button', { name: 'New group' }).click();
    await this.page.locator('input[name=title]').fill(title);
    await this.page.locator('input[name=usernames]').fill(usernames.join(', '));
    await this.page.getByRole('button', { name: 'Create group' }).click();
    await this.page.getByTestId('conversation-title').getByText(title).waitFor();
  }

  async open(title: string): Promise<void> {
    await this.chatItem(title).click();
    await this.page.getByTestId('conversation-title').getByText(title, { exact: true }).waitFor();
  }

  async send(text: string): Promise<void> {
    const input = this.page.getByTestId('composer-input');
    await input.fill(text);
    await input.press('Enter');
  }

  /** The bubble holding exactly this text. */
  message(text: string): Locator {
    return this.page
      .getByTestId('message')
      .filter({ has: this.page.getByTestId('message-body').getByText(text, { exact: true }) });
  }

  /** Waits until the own message shows this tick state (pending, sent, delivered, read). */
  async expectTicks(text: string, status: string): Promise<void> {
    await this.message(text).locator(`[data-testid=ticks][data-status=${status}]`).waitFor();
  }

  async goOffline(): Promise<void> {
    await this.context.setOffline(true);
    await this.page.getByTestId('connection-banner').and(this.page.locator('[data-state=offline]')).waitFor();
  }

  async goOnline(): Promise<void> {
    await this.context.setOffline(false);
    await this.page.getByTestId('connection-banner').waitFor({ state: 'detached' });
  }
}
