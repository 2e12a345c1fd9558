import { randomBytes } from 'node:crypto';
import { HeadsLimits, type ChatHeadsDigest, type ChatJoin } from '@parley/contracts';

/** What a digest is handed to: one NATS publish per part. */
export type DigestSink = (digest: ChatHeadsDigest) => void;

/** JSON bytes of one head entry / one join, close enough to split on (ids are 36-char uuids). */
const HEAD_BYTES = 60;
const joinBytes = (join: ChatJoin) => 80 + join.userIds.length * 39;
/** The envelope (publisherId, digestSeq, intervalMs, keys). */
const ENVELOPE_BYTES = 200;

/**
 * This replica's commits, as heads: chatId -> highest seq committed, plus the members who
 * joined a chat. Each tick publishes what the last TWO intervals saw (so one lost digest is
 * covered by the next), split into parts under the byte budget, each part numbered; a tick
 * with nothing is published too, as a heartbeat that lets gateways tell a lost digest from
 * a quiet store. Costs one Map entry per chat with traffic in the window: no query, no I/O.
 */
export class HeadsDigest {
  readonly publisherId = `ms-${randomBytes(6).toString('hex')}`;
  private digestSeq = 0;
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private currentJoins: ChatJoin[] = [];
  private previousJoins: ChatJoin[] = [];

  constructor(
    readonly intervalMs: number,
    private readonly maxBytes: number = HeadsLimits.digestMaxBytes,
  ) {}

  /** A message of chatId with this seq is committed (created or found again by its idempotency key). */
  appended(chatId: string, seq: number): void {
    const known = this.current.get(chatId);
    if (known === undefined || seq > known) this.current.set(chatId, seq);
  }

  /** userIds became members of chatId when its lastSeq was fromSeq. */
  joined(chatId: string, userIds: string[], fromSeq: number): void {
    if (userIds.length > 0) this.currentJoins.push({ chatId, fromSeq, userIds });
  }

  /** The digest parts of this tick; then the window moves on by one interval. */
  tick(publish: DigestSink): number {
    const heads = new Map(this.previous);
    for (const [chatId, seq] of this.current) if (seq > (heads.get(chatId) ?? 0)) heads.set(chatId, seq);
    const joins = [...this.previousJoins, ...this.currentJoins];
    this.previous = this.current;
    this.current = new Map();
    this.previousJoins = this.currentJoins;
    this.currentJoins = [];

    let parts = 0;
    let part = this.emptyPart();
    let bytes = ENVELOPE_BYTES;
    const flush = () => {
      part.digestSeq = ++this.digestSeq;
      publish(part);
      parts++;
      part = this.emptyPart();
      bytes = ENVELOPE_BYTES;
    };
    for (const join of joins) {
      const size = joinBytes(join);
      if (bytes + size > this.maxBytes && (part.joins.length > 0 || part.heads.length > 0)) flush();
      part.joins.push(join);
      bytes += size;
    }
    for (const head of heads) {
      if (bytes + HEAD_BYTES > this.maxBytes) flush();
      part.heads.push(head);
      bytes += HEAD_BYTES;
    }
    flush();
    return parts;
  }

  private emptyPart(): ChatHeadsDigest {
    return { publisherId: this.publisherId, digestSeq: 0, intervalMs: this.intervalMs, heads: [], joins: [] };
  }
}
