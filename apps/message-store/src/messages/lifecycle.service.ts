import { Inject, Injectable } from '@nestjs/common';
import { Limits, ParleyError, type MessageChangeReply } from '@parley/contracts';
import {
  EventsRepository,
  MessagesRepository,
  type ChangeTarget,
  type MessageChange,
} from '@parley/message-store/data-access-messages';
import { invalid, requireInt, requireObject, requireText, requireUuid } from '../common/request-checks';

export const LIFECYCLE_SETTINGS = Symbol('LIFECYCLE_SETTINGS');

export interface LifecycleSettings {
  /** How long after sending its sender may edit a message (MESSAGE_EDIT_WINDOW_SECONDS). */
  editWindowMs: number;
}

interface ChangeRequest {
  chatId: string;
  userId: string;
  seq: number;
}

function parseTarget(req: unknown): ChangeRequest & { r: Record<string, unknown> } {
  const r = requireObject(req);
  return {
    r,
    chatId: requireUuid(r['chatId'], 'chatId'),
    userId: requireUuid(r['userId'], 'userId'),
    seq: requireInt(r['seq'], 'seq', 1),
  };
}

function parseEmoji(value: unknown): string | null {
  if (value === null) return null;
  if (value === undefined) throw invalid('emoji must be a string or null');
  return requireText(value, 'emoji', 1, Limits.emojiMaxCodePoints);
}

/**
 * Edits, deletes and reactions. Every rule about who may change what lives in authorize(),
 * run under the chat's row lock: the order of the answers is the protocol's (not_found,
 * forbidden, conflict), with the chat checked before the seq.
 */
@Injectable()
export class LifecycleService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly events: EventsRepository,
    @Inject(LIFECYCLE_SETTINGS) private readonly settings: LifecycleSettings,
  ) {}

  edit(req: unknown): Promise<MessageChangeReply> {
    const t = parseTarget(req);
    const body = requireText(t.r['body'], 'body', 1, Limits.bodyMaxCodePoints, { allowNul: true });
    return this.change(t, { kind: 'edit', body });
  }

  delete(req: unknown): Promise<MessageChangeReply> {
    return this.change(parseTarget(req), { kind: 'delete' });
  }

  react(req: unknown): Promise<MessageChangeReply> {
    const t = parseTarget(req);
    return this.change(t, { kind: 'react', emoji: parseEmoji(t.r['emoji']) });
  }

  private change(t: ChangeRequest, change: MessageChange): Promise<MessageChangeReply> {
    return this.messages.change(
      t.chatId,
      t.seq,
      t.userId,
      (target) => {
        this.authorize(target, t.userId, change);
        return change;
      },
      this.events,
    );
  }

  /**
   * The one place that decides whether `actorId` may make `change`, from what the change's
   * transaction read under the chat lock (no query of its own). Throws the protocol's error.
   */
  private authorize(target: ChangeTarget, actorId: string, change: MessageChange): void {
    if (!target.chat) throw new ParleyError('not_found', 'no such chat');
    if (!target.actorRole) throw new ParleyError('forbidden', 'not a member of this chat');
    // Blocking: no edit or reaction in a direct chat while either member blocks the other (a chat
    // check, so before the seq's); deleting one's own message stays allowed.
    if (change.kind !== 'delete' && target.blocked)
      throw new ParleyError('forbidden', 'you cannot write in this chat while a block stands');
    const message = target.message;
    if (!message) throw new ParleyError('not_found', 'no such message');
    const own = message.senderId === actorId;
    switch (change.kind) {
      case 'edit':
        if (!own) throw new ParleyError('forbidden', 'only its sender may edit a message');
        if (Date.now() - Date.parse(message.createdAt) > this.settings.editWindowMs)
          throw new ParleyError('forbidden', 'the edit window of this message is over');
        if (message.deleted) throw new ParleyError('conflict', 'the message is deleted');
        return;
      case 'delete':
        // A group admin may delete anyone's message; direct chats have no admins.
        if (!own && !(target.chat.type === 'group' && target.actorRole === 'admin'))
          throw new ParleyError('forbidden', 'only its sender or a group admin may delete a message');
        return;
      case 'react':
        if (message.deleted) throw new ParleyError('conflict', 'the message is deleted');
        return;
    }
  }
}
