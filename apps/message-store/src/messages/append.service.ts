import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import {
  AppendBatchLimits,
  jsonBytes,
  Limits,
  ParleyError,
  ReplyBudget,
  type ErrorBody,
  type MessageAppendBatchReply,
  type MessageAppendReply,
  type MessageAppendResult,
  type MessageAppendStored,
} from '@parley/contracts';
import {
  isDatabaseUnavailable,
  MessagesRepository,
  type AppendInput,
  type AppendOutcome,
} from '@parley/message-store/data-access-messages';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { optionalInt, requireObject, requireText, requireUuid } from '../common/request-checks';
import type { HeadsDigest } from '../heads/heads-digest';
import { HEADS_DIGEST } from '../heads/heads.publisher';
import { APPEND_BATCH_SIZE, APPEND_DURATION, APPEND_QUEUE_DEPTH, APPENDS_TOTAL } from './append.metrics';
import { GroupCommitQueue } from './group-commit.queue';

export const APPEND_SETTINGS = Symbol('APPEND_SETTINGS');

export interface AppendSettings {
  batchMax: number;
  batchWaitMs: number;
  queueMax: number;
  maxConcurrentBatches: number;
}

function parseAppendRequest(req: unknown): AppendInput {
  const r = requireObject(req);
  return {
    chatId: requireUuid(r['chatId'], 'chatId'),
    senderId: requireUuid(r['senderId'], 'senderId'),
    clientMsgId: requireText(r['clientMsgId'], 'clientMsgId', 1, Limits.clientMsgIdMaxLength),
    body: requireText(r['body'], 'body', 1, Limits.bodyMaxCodePoints, { allowNul: true }),
    replyToSeq: optionalInt(r['replyToSeq'], 'replyToSeq', 1) ?? null,
  };
}

/** The hot path: validates, then hands the append to the group-commit queue. */
@Injectable()
export class AppendService implements OnModuleDestroy {
  private readonly logger = new Logger('Append');
  private readonly queue: GroupCommitQueue<AppendInput, AppendOutcome>;

  constructor(
    messages: MessagesRepository,
    @Inject(APPEND_SETTINGS) settings: AppendSettings,
    @InjectMetric(APPENDS_TOTAL) private readonly appends: Counter<'result'>,
    @InjectMetric(APPEND_DURATION) private readonly duration: Histogram,
    @InjectMetric(APPEND_BATCH_SIZE) batchSize: Histogram,
    @InjectMetric(APPEND_QUEUE_DEPTH) private readonly queueDepth: Gauge,
    @Optional() @Inject(HEADS_DIGEST) private readonly heads?: HeadsDigest,
  ) {
    this.queue = new GroupCommitQueue((items) => messages.appendBatch(items), {
      maxBatch: settings.batchMax,
      maxWaitMs: settings.batchWaitMs,
      maxQueue: settings.queueMax,
      maxConcurrent: settings.maxConcurrentBatches,
      isUnavailable: isDatabaseUnavailable,
      onBatch: (size) => {
        batchSize.observe(size);
        this.queueDepth.set(this.queue.depth);
      },
      onBatchFailed: (err, size) => {
        // Never log bodies: only the size and the error.
        if (size > 1) this.logger.warn({ err, size }, 'append batch failed; retrying its items one by one');
      },
    });
  }

  async append(req: unknown): Promise<MessageAppendReply> {
    const stop = this.duration.startTimer();
    let result = 'internal';
    try {
      const outcome = await this.queue.submit(parseAppendRequest(req));
      switch (outcome.status) {
        case 'not_found':
          throw new ParleyError('not_found', 'no such chat');
        case 'forbidden':
          throw new ParleyError('forbidden', 'not a member of this chat');
        case 'blocked':
          throw new ParleyError('forbidden', 'blocked: no messages in this direct chat while a block is in place');
        case 'invalid':
          throw new ParleyError('invalid', "replyToSeq must be at most the chat's lastSeq");
        case 'stored':
          result = outcome.created ? 'created' : 'duplicate';
          // A duplicate too: its first fan-out may have died with the replica that stored it.
          this.heads?.appended(outcome.message.chatId, outcome.message.seq);
          return {
            message: outcome.message,
            created: outcome.created,
            memberIds: outcome.memberIds,
            mutedMemberIds: outcome.mutedMemberIds,
            ...(outcome.eventSeqBase ? { eventSeqBase: outcome.eventSeqBase } : {}),
          };
      }
    } catch (err) {
      if (err instanceof ParleyError) {
        result = err.code;
        throw err;
      }
      if (isDatabaseUnavailable(err)) {
        result = 'unavailable';
        throw new ParleyError('unavailable', 'the message database is unavailable; retry');
      }
      throw err;
    } finally {
      stop();
      this.appends.inc({ result });
    }
  }

  /**
   * A gateway's batch: every item goes to the group-commit queue at once (so they share
   * a transaction) and is answered on its own, exactly as message.append.v1 would.
   */
  async appendMany(req: unknown): Promise<MessageAppendBatchReply> {
    const items = requireObject(req)['items'];
    if (!Array.isArray(items) || items.length === 0 || items.length > AppendBatchLimits.maxItems) {
      throw new ParleyError('invalid', `items: 1-${AppendBatchLimits.maxItems} appends`);
    }
    const outcomes = await Promise.all(
      items.map((item) =>
        this.append(item).then(
          (reply): AppendOutcomeOrError => ({ ok: true, reply }),
          (err: unknown): AppendOutcomeOrError => {
            if (err instanceof ParleyError) return { ok: false, error: err.toBody() };
            this.logger.error({ err }, 'append failed');
            return { ok: false, error: { code: 'internal', message: 'internal error' } };
          },
        ),
      ),
    );
    return fitAppendBatchReply(outcomes, ReplyBudget.bytes);
  }

  /** Shutdown: queued appends still get committed and answered before the pool closes. */
  async onModuleDestroy(): Promise<void> {
    await this.queue.drain();
  }
}

function sameIds(a: string[], b: string[]): boolean {
  return a === b || (a.length === b.length && a.every((id, i) => id === b[i]));
}

type AppendOutcomeOrError = { ok: true; reply: MessageAppendReply } | { ok: false; error: ErrorBody };

/** Most an error result may take (server-written messages are short; a longer one is replaced). */
const ERROR_RESULT_MAX_BYTES = 256;

const OVER_BUDGET: MessageAppendResult = {
  ok: false,
  error: {
    code: 'unavailable',
    message: 'the answer to this batch grew too large; send again (the same clientMsgId is safe)',
  },
};

/**
 * The batch's reply within `budget` bytes of JSON, whatever its items hold: a resend answers the
 * stored original, whose body may be far larger than the resend's, and a chat's member list
 * holds up to 1,024 ids. Members that do not fit are left out (the gateway looks them up); an
 * item that does not fit answers `unavailable`: it is stored, and its resend gets the original.
 */
export function fitAppendBatchReply(outcomes: AppendOutcomeOrError[], budget: number): MessageAppendBatchReply {
  const results: MessageAppendResult[] = [];
  const members: MessageAppendBatchReply['members'] = {};
  const membersTried = new Set<string>();
  // Room for every item to answer an error (each under ERROR_RESULT_MAX_BYTES): what is left
  // is what stored messages and member lists may take.
  const room = budget - 64 - outcomes.length * ERROR_RESULT_MAX_BYTES;
  let bytes = 0;
  for (const outcome of outcomes) {
    if (!outcome.ok) {
      const fits = jsonBytes(outcome) < ERROR_RESULT_MAX_BYTES;
      results.push(fits ? outcome : { ok: false, error: { code: outcome.error.code, message: outcome.error.code } });
      continue;
    }
    const { memberIds, mutedMemberIds, eventSeqBase, ...rest } = outcome.reply;
    const reply: MessageAppendStored = rest;
    const result: MessageAppendResult = { ok: true, reply };
    const size = jsonBytes(result) + 1;
    if (bytes + size > room) {
      results.push(OVER_BUDGET);
      continue;
    }
    bytes += size;
    results.push(result);
    const chatId = reply.message.chatId;
    if (!membersTried.has(chatId)) {
      membersTried.add(chatId);
      const list = { memberIds, mutedMemberIds };
      const listSize = jsonBytes(list) + chatId.length + 4;
      if (bytes + listSize <= room) {
        members[chatId] = list;
        bytes += listSize;
      }
    }
    // eventSeqs: one base list per group-commit transaction and chat (items of one request may
    // span two), each item naming its own; none when the members differ from the listed ones.
    const listed = members[chatId];
    if (!listed || !eventSeqBase || !sameIds(listed.memberIds, memberIds)) continue;
    const bases = (listed.eventSeqBases ??= []);
    let idx = bases.indexOf(eventSeqBase);
    if (idx < 0 && bytes + jsonBytes(eventSeqBase) + 24 <= room) {
      idx = bases.push(eventSeqBase) - 1;
      bytes += jsonBytes(eventSeqBase) + 1;
    }
    if (idx >= 0) {
      reply.eventSeqBaseIdx = idx;
      bytes += 24;
    }
  }
  return { results, members };
}
