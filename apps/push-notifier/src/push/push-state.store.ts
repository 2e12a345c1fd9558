import type { RedisClient } from '@parley/shared/util-redis';

/** The coalesced batch a job sends: read and cleared atomically when its job runs. */
export interface PushBatch {
  chatId: string;
  /** Messages in this batch. */
  count: number;
  /** Messages of the chat since the user was last online (what the notification shows). */
  unread: number;
  /** The latest message of the batch (highest seq) and its sender. */
  seq: number;
  senderId: string;
  messageId: string;
}

export interface DroppedPushes {
  /** Jobs whose batches were dropped: remove them from the queue when still waiting. */
  jobIds: string[];
}

// All keys of one user share the hash tag {userId}, so each script touches one
// Redis Cluster slot.
//   pending:<chat>   hash   the batch gathering now (count, seq, senderId, messageId, unread, batch)
//   unread:<chat>    string messages since the user was last online
//   chats            set    chats with pending or unread state (to drop them on reconnect)
//   batch:<jobId>    hash   a batch claimed by its job (survives a crash of the worker)
//   claimed          set    jobIds with a claimed batch
//   sent:<jobId>     set    tokens already handed to FCM for that job (idempotency)

const RECORD = `
local unread = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[7])
redis.call('HINCRBY', KEYS[1], 'count', 1)
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if tonumber(ARGV[2]) >= seq then
  redis.call('HSET', KEYS[1], 'seq', ARGV[2], 'senderId', ARGV[3], 'messageId', ARGV[4])
end
redis.call('HSET', KEYS[1], 'unread', unread)
local batch = redis.call('HGET', KEYS[1], 'batch')
if not batch then
  batch = ARGV[5]
  redis.call('HSET', KEYS[1], 'batch', batch, 'chatId', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[7])
return batch`;

// A re-run of the same job (retry, or after a crash) finds its batch already claimed.
const CLAIM = `
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.call('HGETALL', KEYS[2]) end
if redis.call('HGET', KEYS[1], 'batch') ~= ARGV[1] then return {} end
redis.call('RENAME', KEYS[1], KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return redis.call('HGETALL', KEYS[2])`;

// Marks tokens as sent BEFORE the send: a worker killed mid-send leaves them marked,
// so the re-run never notifies a device twice (at most once per device and batch).
const RESERVE = `
local fresh = {}
for i = 2, #ARGV do
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then fresh[#fresh + 1] = ARGV[i] end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return fresh`;

const FINISH = `
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
return 1`;

// Keys built here all carry the user's hash tag (ARGV[1] is the user's key base).
const DROP_USER = `
local jobs = {}
for _, chat in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local pending = ARGV[1] .. 'pending:' .. chat
  local batch = redis.call('HGET', pending, 'batch')
  if batch then jobs[#jobs + 1] = 'p' .. chat .. '.' .. batch end
  redis.call('DEL', pending, ARGV[1] .. 'unread:' .. chat)
end
for _, jobId in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('DEL', ARGV[1] .. 'batch:' .. jobId)
  jobs[#jobs + 1] = 'j' .. jobId
end
redis.call('DEL', KEYS[1], KEYS[2])
return jobs`;

/** Live state of a pending batch expires if its job never runs; unread counts after a week offline. */
const PENDING_TTL_MS = 24 * 3600_000;
const UNREAD_TTL_MS = 7 * 24 * 3600_000;
/** Claimed batches and sent marks must outlive every retry of their job. */
const CLAIMED_TTL_MS = 3 * 24 * 3600_000;

type Script = (keys: number, ...args: (string | number)[]) => Promise<unknown>;

/** All Redis I/O of push coalescing and send idempotency (atomic Lua scripts). */
export class PushStateStore {
  constructor(
    private readonly redis: RedisClient,
    /** e.g. "parley": keys live under "<prefix>:push-state:". */
    private readonly prefix: string,
  ) {
    const scripts = {
      pushRecord: RECORD,
      pushClaim: CLAIM,
      pushReserve: RESERVE,
      pushFinish: FINISH,
      pushDropUser: DROP_USER,
    };
    for (const [name, lua] of Object.entries(scripts)) {
      // numberOfKeys is passed at call time (first argument).
      if (!(name in redis)) redis.defineCommand(name, { lua });
    }
  }

  private base(userId: string): string {
    return `${this.prefix}:push-state:{${userId}}:`;
  }

  private script(name: string): Script {
    return (this.redis as unknown as Record<string, Script>)[name].bind(this.redis);
  }

  /**
   * Adds one message to the user's pending batch of the chat. Returns the batch id
   * (newBatch when this message started the batch): the caller enqueues its job.
   */
  async record(
    userId: string,
    message: { chatId: string; seq: number; senderId: string; messageId: string },
    newBatch: string,
  ): Promise<string> {
    const b = this.base(userId);
    return (await this.script('pushRecord')(
      3,
      `${b}pending:${message.chatId}`,
      `${b}unread:${message.chatId}`,
      `${b}chats`,
      message.chatId,
      message.seq,
      message.senderId,
      message.messageId,
      newBatch,
      PENDING_TTL_MS,
      UNREAD_TTL_MS,
    )) as string;
  }

  /** Takes the batch for its job (or finds it again on a re-run); null: nothing to send. */
  async claim(userId: string, chatId: string, batch: string, jobId: string): Promise<PushBatch | null> {
    const b = this.base(userId);
    const flat = (await this.script('pushClaim')(
      3,
      `${b}pending:${chatId}`,
      `${b}batch:${jobId}`,
      `${b}claimed`,
      batch,
      jobId,
      CLAIMED_TTL_MS,
    )) as string[];
    if (flat.length === 0) return null;
    const h: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) h[flat[i]] = flat[i + 1];
    return {
      chatId: h['chatId'] ?? chatId,
      count: Number(h['count'] ?? 0),
      unread: Number(h['unread'] ?? h['count'] ?? 0),
      seq: Number(h['seq'] ?? 0),
      senderId: h['senderId'] ?? '',
      messageId: h['messageId'] ?? '',
    };
  }

  /** Marks tokens as sent for this job and returns those not marked before. */
  async reserve(userId: string, jobId: string, tokens: string[]): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const fresh = (await this.script('pushReserve')(
      1,
      `${this.base(userId)}sent:${jobId}`,
      CLAIMED_TTL_MS,
      ...tokens,
    )) as string[];
    return new Set(fresh);
  }

  /** Unmarks tokens whose send failed transiently, so the retry sends them. */
  async release(userId: string, jobId: string, tokens: string[]): Promise<void> {
    if (tokens.length > 0) await this.redis.srem(`${this.base(userId)}sent:${jobId}`, ...tokens);
  }

  /** The batch is done: forget it (a late re-run then finds nothing to send). */
  async finish(userId: string, jobId: string): Promise<void> {
    const b = this.base(userId);
    await this.script('pushFinish')(3, `${b}batch:${jobId}`, `${b}sent:${jobId}`, `${b}claimed`, jobId);
  }

  /**
   * The user is online again: they get the messages by replay, so their pending and
   * claimed batches and unread counts go. Returns the job ids to take off the queue.
   */
  async dropUser(userId: string, jobIdOf: (chatId: string, batch: string) => string): Promise<DroppedPushes> {
    const b = this.base(userId);
    const entries = (await this.script('pushDropUser')(2, `${b}chats`, `${b}claimed`, b)) as string[];
    const jobIds = entries.map((e) => {
      if (e.startsWith('j')) return e.slice(1);
      const rest = e.slice(1);
      const dot = rest.lastIndexOf('.');
      return jobIdOf(rest.slice(0, dot), rest.slice(dot + 1));
    });
    return { jobIds };
  }
}
