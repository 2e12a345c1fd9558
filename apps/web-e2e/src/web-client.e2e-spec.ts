import { TestSocket, http } from '@parley/shared/testing';
import type { Chat, User } from '@parley/contracts';
import { AppPage, PASSWORD } from './app-page';
import { newUserContext, screenshot } from './browser';
import { useWebStack } from './web-stack';

/**
 * The web client in real Chromium against the whole stack, served by tools/dev/serve-web.cjs
 * (static files + same-origin proxy), each person in their own browser context.
 */
describe('web client in Chromium (real stack)', () => {
  const setup = useWebStack('web');
  const { shots, person } = setup; // the same array; person reads setup when called

  it('two people chat: ticks go sent -> delivered -> read, with unread counts, typing and presence', async () => {
    const login = await (await newUserContext(setup.browser)).newPage();
    await login.goto(setup.web.url);
    await login.getByRole('button', { name: 'Log in' }).last().waitFor();
    shots.push(await screenshot(login, 'login'));
    await login.context().close();

    const alice = await person('Alice');
    const bob = await person('Bob');
    await alice.startDirectChat(bob.username);
    // Bob's only chat (its title is Alice's name once auth answers GET /v1/users/:id).
    await bob.page.getByTestId('chat-item').first().waitFor();

    // Bob is offline: Alice's messages are stored (one grey tick) but not delivered.
    await bob.goOffline();
    await alice.page
      .getByTestId('conversation-subtitle')
      .getByText(/last seen/)
      .waitFor();
    await alice.send('Hi Bob! 👋');
    await alice.send('Are you there?');
    await alice.expectTicks('Hi Bob! 👋', 'sent');
    await alice.expectTicks('Are you there?', 'sent');
    shots.push(await screenshot(alice.page, 'conversation-sent'));

    // Bob comes back: the replay delivers both (two grey ticks) and his list counts them unread.
    await bob.goOnline();
    await alice.expectTicks('Are you there?', 'delivered');
    await alice.expectTicks('Hi Bob! 👋', 'delivered');
    await alice.page.getByTestId('conversation-subtitle').getByText('online', { exact: true }).waitFor();
    const bobsChat = bob.page.getByTestId('chat-item').first();
    await bobsChat.and(bob.page.locator('[data-unread="2"]')).waitFor();
    expect(await bobsChat.getByTestId('unread-badge').textContent()).toBe('2');
    expect(await bobsChat.getByTestId('chat-preview').textContent()).toContain('Are you there?');
    shots.push(await screenshot(bob.page, 'chat-list'));

    // Bob opens the chat: both messages read (two blue ticks), the badge goes.
    await bobsChat.click();
    await bob.message('Hi Bob! 👋').waitFor();
    await alice.expectTicks('Hi Bob! 👋', 'read');
    await alice.expectTicks('Are you there?', 'read');
    expect(await bob.page.getByTestId('unread-badge').count()).toBe(0);
    const blue = await alice
      .message('Are you there?')
      .locator('[data-testid=ticks]')
      .evaluate((el) => getComputedStyle(el).color);
    expect(blue).toBe('rgb(83, 189, 235)');

    // Typing shows in Alice's header while Bob types, and his reply arrives.
    await bob.page.getByTestId('composer-input').pressSequentially('Yes, here', { delay: 30 });
    await alice.page.getByTestId('conversation-subtitle').getByText('typing…').waitFor();
    await bob.page.getByTestId('composer-input').press('Enter');
    await alice.message('Yes, here').waitFor();
    await alice.page.getByTestId('conversation-subtitle').getByText('online', { exact: true }).waitFor();
    await bob.expectTicks('Yes, here', 'read');
    shots.push(await screenshot(alice.page, 'conversation-read'));

    // A reload keeps the session (localStorage) and shows the history.
    await alice.page.reload();
    await alice.page.getByTestId('me-name').waitFor();
    await alice.page.getByTestId('chat-item').first().click();
    await alice.message('Yes, here').waitFor();
    await alice.expectTicks('Hi Bob! 👋', 'read');

    await alice.context.close();
    await bob.context.close();
  });

  it('offline sender: messages queue with a clock and are sent once on reconnect', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    await alice.startDirectChat(bob.username);
    await bob.page.getByTestId('chat-item').first().click();
    await bob.page.getByTestId('conversation').waitFor();

    await alice.goOffline();
    await alice.send('Written on the train');
    await alice.send('Still in the tunnel');
    await alice.expectTicks('Written on the train', 'pending');
    await alice.expectTicks('Still in the tunnel', 'pending');
    expect(await alice.page.getByTestId('connection-banner').textContent()).toContain('2 waiting');
    shots.push(await screenshot(alice.page, 'offline-queued'));
    expect(await bob.page.getByTestId('message').count()).toBe(0);

    await alice.goOnline();
    // Bob has the chat open: they go straight to read, each exactly once, in order.
    await alice.expectTicks('Written on the train', 'read');
    await alice.expectTicks('Still in the tunnel', 'read');
    await bob.message('Still in the tunnel').waitFor();
    expect(await bob.page.getByTestId('message-body').allTextContents()).toEqual([
      'Written on the train',
      'Still in the tunnel',
    ]);

    const chats = await http<(Chat & { lastSeq: number })[]>(setup.stack.gatewayUrl, 'GET', '/v1/chats', {
      token: await tokenOf(alice),
    });
    expect(chats.body[0].lastSeq).toBe(2);

    await alice.context.close();
    await bob.context.close();
  });

  it('blocking a contact: their messages are refused until unblocked; the block survives a reload', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    await alice.startDirectChat(bob.username);
    await alice.send('Hello');
    await bob.page.getByTestId('chat-item').first().click();
    await bob.message('Hello').waitFor();

    const toggle = alice.page.getByTestId('block-toggle');
    await alice.page.getByRole('button', { name: 'Chat info', exact: true }).click();
    await toggle.and(alice.page.locator('[data-blocked=false]')).click();
    await toggle.and(alice.page.locator('[data-blocked=true]')).waitFor();
    await alice.page.getByTestId('blocked-banner').waitFor();
    shots.push(await screenshot(alice.page, 'blocked-contact'));

    // Bob's message is refused (forbidden): not sent, never reaches Alice.
    await bob.send('Can you hear me?');
    await bob.expectTicks('Can you hear me?', 'failed');

    // Loaded again from the server after a reload.
    await alice.page.reload();
    await alice.chatItem(bob.displayName).click();
    await alice.page.getByTestId('blocked-banner').waitFor();
    await alice.page.getByRole('button', { name: 'Chat info', exact: true }).click();
    await toggle.and(alice.page.locator('[data-blocked=true]')).click();
    await toggle.and(alice.page.locator('[data-blocked=false]')).waitFor();
    await alice.page.getByTestId('blocked-banner').waitFor({ state: 'detached' });

    await bob.send('Now?');
    await alice.message('Now?').waitFor();
    expect(await alice.page.getByTestId('message-body').allTextContents()).toEqual(['Hello', 'Now?']);

    await alice.context.close();
    await bob.context.close();
  });

  it('a group of three: creation, delivered to all / read by all, and member management', async () => {
    const ann = await person('Ann');
    const ben = await person('Ben');
    const cat = await person('Cat');
    await ann.createGroup('Weekend trip', [ben.username, cat.username]);
    await ben.chatItem('Weekend trip').waitFor();
    await cat.chatItem('Weekend trip').waitFor();

    await cat.goOffline();
    await ann.send('Who is in for Saturday?');
    await ann.expectTicks('Who is in for Saturday?', 'sent'); // Ben has it, Cat does not: not "delivered to all"
    await cat.goOnline();
    await ann.expectTicks('Who is in for Saturday?', 'delivered');

    await ben.open('Weekend trip');
    await ben.message('Who is in for Saturday?').waitFor();
    // read by Ben only: still two grey ticks
    await ann.page.waitForTimeout(500);
    await ann.expectTicks('Who is in for Saturday?', 'delivered');
    await cat.open('Weekend trip');
    await ann.expectTicks('Who is in for Saturday?', 'read');

    await cat.send('Me!');
    await ann.message('Me!').waitFor();
    await ben.message('Me!').waitFor();
    expect(await ann.message('Me!').textContent()).toContain('Me!');

    // Ann (admin) opens the group info: three members; she makes Ben admin and removes Cat.
    await ann.page.getByRole('button', { name: 'Chat info' }).first().click();
    await ann.page.getByTestId('member').nth(2).waitFor();
    expect(await ann.page.getByTestId('member').count()).toBe(3);
    shots.push(await screenshot(ann.page, 'group-info'));
    const benId = (await userByName(ben.username)).id;
    const catId = (await userByName(cat.username)).id;
    await ann.page
      .locator(`[data-testid=member][data-user-id="${benId}"]`)
      .getByRole('button', { name: 'Make admin' })
      .click();
    await ann.page.locator(`[data-testid=member][data-user-id="${benId}"][data-role=admin]`).waitFor();
    await ann.page
      .locator(`[data-testid=member][data-user-id="${catId}"]`)
      .getByRole('button', { name: 'Remove' })
      .click();
    await ann.page.locator(`[data-testid=member][data-user-id="${catId}"]`).waitFor({ state: 'detached' });
    await cat.chatItem('Weekend trip').waitFor({ state: 'detached' });

    // ...and adds her back; the group is renamed for everyone.
    await ann.page.locator('input[name=add-member]').fill(cat.username);
    await ann.page.getByRole('button', { name: 'Add', exact: true }).click();
    await cat.chatItem('Weekend trip').waitFor();
    await ann.page.locator('.group-info input[name=title]').fill('Weekend trip 🏕️');
    await ann.page.getByRole('button', { name: 'Rename' }).click();
    await ben.page.getByTestId('conversation-title').getByText('Weekend trip 🏕️').waitFor();
    await cat.chatItem('Weekend trip 🏕️').waitFor();

    for (const p of [ann, ben, cat]) await p.context.close();
  });

  it('infinite scroll loads older history when scrolled to the top', async () => {
    const dave = await person('Dave');
    const erin = await person('Erin');
    await dave.startDirectChat(erin.username);
    // 70 messages from Erin through a plain Socket.IO client
    const chat = (await http<Chat[]>(setup.stack.gatewayUrl, 'GET', '/v1/chats', { token: await tokenOf(dave) }))
      .body[0];
    const erinSocket = await TestSocket.connect(setup.stack.gatewayUrl, await tokenOf(erin));
    for (let i = 1; i <= 70; i++) {
      const ack = await erinSocket.emitAck('message:send', {
        chatId: chat.id,
        clientMsgId: `bulk-${i}`,
        body: `message ${i}`,
      });
      expect(ack.ok).toBe(true);
    }
    erinSocket.close();

    await dave.page.reload();
    await dave.page.getByTestId('chat-item').first().click();
    await dave.message('message 70').waitFor();
    // The first page (41-70) may render after the newest message came through the event stream.
    await dave.message('message 41').waitFor();
    const bodies = dave.page.getByTestId('message');
    expect(await bodies.count()).toBe(30);
    const list = dave.page.getByTestId('messages');
    for (const [expected, firstShown] of [
      [60, 'message 11'],
      [70, 'message 1'],
    ] as const) {
      await list.evaluate((el) => el.scrollTo({ top: 0 }));
      await dave.message(firstShown).waitFor();
      expect(await bodies.count()).toBe(expected);
      // the view stays where the reader was instead of jumping to the new top
      expect(await list.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    }
    await dave.page.getByText('This is the start of your chat').waitFor();
    expect(await dave.page.getByTestId('message-body').first().textContent()).toBe('message 1');
    expect(await dave.page.locator('[data-testid=message][data-own=true]').count()).toBe(0);

    await dave.context.close();
    await erin.context.close();
  });

  /** The page's access token, read from the app's session in localStorage. */
  async function tokenOf(p: AppPage): Promise<string> {
    const raw = await p.page.evaluate(() => window.localStorage.getItem('parley:session'));
    return (JSON.parse(raw ?? '{}') as { accessToken: string }).accessToken;
  }

  async function userByName(username: string): Promise<User> {
    const res = await http<{ user: User; accessToken: string }>(setup.stack.authUrl, 'POST', '/v1/auth/login', {
      body: { username, password: PASSWORD },
    });
    return res.body.user;
  }
});
