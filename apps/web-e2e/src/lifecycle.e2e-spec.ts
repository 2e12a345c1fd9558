import { AppPage } from './app-page';
import { newUserContext, screenshot } from './browser';
import { useWebStack } from './web-stack';

/** Replies, edits, reactions and deletes in the web client, two people in real Chromium. */
describe('web client: message lifecycle (real stack)', () => {
  const setup = useWebStack('web-lifecycle');
  const { shots, person } = setup; // the same array; person reads setup when called
  const act = async (who: AppPage, text: string, action: string) => {
    const bubble = who.message(text);
    await bubble.hover();
    await bubble.getByRole('button', { name: action }).click();
  };

  it('a quoted reply, an edit with its mark, a reaction and a tombstone reach the other person', async () => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    await alice.startDirectChat(bob.username);
    await alice.send('Lunch at noon?');
    await bob.page.getByTestId('chat-item').first().click();
    await bob.message('Lunch at noon?').waitFor();

    // Bob replies to it: both see the quote.
    await act(bob, 'Lunch at noon?', 'Reply');
    await bob.page.getByTestId('composer-action').getByText('Lunch at noon?').waitFor();
    await bob.send('Sure!');
    const reply = alice.message('Sure!');
    await reply.getByTestId('message-quote').getByText('Lunch at noon?').waitFor();
    await bob.message('Sure!').getByTestId('message-quote').getByText('Lunch at noon?').waitFor();

    // Alice edits hers: the new text with "edited", and the quote follows.
    await act(alice, 'Lunch at noon?', 'Edit');
    await alice.send('Lunch at one?');
    await bob.message('Lunch at one?').getByTestId('message-edited').waitFor();
    await bob.message('Sure!').getByTestId('message-quote').getByText('Lunch at one?').waitFor();

    // Bob reacts: Alice sees the chip.
    await act(bob, 'Lunch at one?', 'React 👍');
    await alice.message('Lunch at one?').locator('[data-testid=reaction][data-emoji="👍"]').getByText('👍 1').waitFor();
    shots.push(await screenshot(alice.page, 'lifecycle-reacted'));

    // Alice deletes it: a tombstone for both, and the reply's quote says so.
    await act(alice, 'Lunch at one?', 'Delete');
    const tombstone = bob.page.locator('[data-testid=message-body][data-deleted=true]');
    await tombstone.waitFor();
    expect(await tombstone.textContent()).toContain('This message was deleted');
    await bob.message('Sure!').getByTestId('message-quote').getByText('This message was deleted').waitFor();
    expect(await bob.page.getByTestId('message-reactions').count()).toBe(0);
    await alice.page.locator('[data-testid=message-body][data-deleted=true]').waitFor();
    shots.push(await screenshot(bob.page, 'lifecycle-deleted'));

    // After a reload the history shows the same.
    await bob.page.reload();
    await bob.page.getByTestId('chat-item').first().click();
    await bob.page.locator('[data-testid=message-body][data-deleted=true]').waitFor();
    await bob.message('Sure!').getByTestId('message-quote').waitFor();

    await alice.context.close();
    await bob.context.close();
  });
});
