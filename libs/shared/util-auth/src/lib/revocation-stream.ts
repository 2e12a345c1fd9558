import {
  DiscardPolicy,
  JSONCodec,
  nanos,
  RetentionPolicy,
  StorageType,
  type JsMsg,
  type NatsConnection,
  type StreamConfig,
} from 'nats';
import { sessionRevocationsStreamName, SessionRevokedV1, type SessionRevoked } from '@parley/contracts';
import { RevokedSessions } from './revoked-sessions';

const codec = JSONCodec<{ pattern?: string; data?: SessionRevoked }>();

/** Longest token lifetime auth allows (JWT_TTL_SECONDS max): the horizon until auth says otherwise. */
const DEFAULT_MAX_AGE_SECONDS = 30 * 86400;
/** How long ensure() waits out JetStream API timeouts of a cluster electing its leader. */
const JETSTREAM_ELECTION_WAIT_MS = 30_000;

export interface RevocationStreamOptions {
  /** The app's NATS_SUBJECT_PREFIX: one stream per isolated stack. */
  subjectPrefix?: string;
  /** NATS_STREAM_REPLICAS: copies of the stream in a JetStream cluster (3 on a 3-node cluster; 1 on a single server). */
  replicas?: number;
}

/**
 * The durable log of revoked sessions: a JetStream stream over `auth.session-revoked.v1`.
 * auth publishes each revocation into it (and the same message reaches plain subscribers);
 * its messages age out after the token lifetime, when no token they concern is valid any
 * more. A gateway that starts later (or was cut off from NATS) reads the whole stream
 * first, then follows it: its deny-list is complete without asking anyone per request.
 */
export class RevocationStream {
  readonly subject: string;
  readonly name: string;
  private readonly replicas: number;

  constructor(
    private readonly nc: NatsConnection,
    options: RevocationStreamOptions = {},
  ) {
    const prefix = options.subjectPrefix ?? '';
    this.subject = `${prefix}${SessionRevokedV1.subject}`;
    this.name = sessionRevocationsStreamName(prefix);
    this.replicas = options.replicas ?? 1;
  }

  /**
   * Creates the stream if it is missing. `maxAgeSeconds` (auth's token lifetime) and the
   * replicas are set when `maxAgeSeconds` is given (the owner, auth); a follower passes nothing
   * and leaves an existing stream as it is.
   */
  async ensure(maxAgeSeconds?: number): Promise<{ maxAgeSeconds: number; messages: number }> {
    // A NATS cluster that has just formed answers no JetStream API call until it has elected its
    // meta leader (a few seconds): those calls time out. Waited out here, bounded, so an app started
    // with its cluster does not exit and restart (seen with three nodes); any other error is thrown.
    const until = Date.now() + JETSTREAM_ELECTION_WAIT_MS;
    for (;;) {
      try {
        return await this.ensureOnce(maxAgeSeconds);
      } catch (err) {
        if ((err as { code?: string }).code !== 'TIMEOUT' || Date.now() >= until) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async ensureOnce(maxAgeSeconds?: number): Promise<{ maxAgeSeconds: number; messages: number }> {
    const jsm = await this.nc.jetstreamManager();
    const wanted: Partial<StreamConfig> = {
      name: this.name,
      subjects: [this.subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_age: nanos((maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000),
      num_replicas: this.replicas,
    };
    try {
      const info = await jsm.streams.info(this.name);
      if (
        maxAgeSeconds !== undefined &&
        (info.config.max_age !== wanted.max_age || info.config.num_replicas !== wanted.num_replicas)
      ) {
        // JetStream moves a stream to more (or fewer) replicas in place: a single server grown into a cluster.
        const updated = await jsm.streams.update(this.name, {
          ...info.config,
          max_age: wanted.max_age,
          num_replicas: wanted.num_replicas,
        });
        return { maxAgeSeconds, messages: updated.state.messages };
      }
      return { maxAgeSeconds: info.config.max_age / 1e9, messages: info.state.messages };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      const created = await jsm.streams.add(wanted);
      return { maxAgeSeconds: created.config.max_age / 1e9, messages: created.state.messages };
    } catch (err) {
      // Another replica created it meanwhile.
      const info = await jsm.streams.info(this.name).catch(() => {
        throw err;
      });
      return { maxAgeSeconds: info.config.max_age / 1e9, messages: info.state.messages };
    }
  }

  /** Publishes a revocation and resolves once the stream has stored it (then it is durable). */
  async publish(event: SessionRevoked): Promise<void> {
    const js = this.nc.jetstream();
    await js.publish(this.subject, codec.encode({ pattern: SessionRevokedV1.subject, data: event }), {
      expect: { streamName: this.name },
    });
  }

  /**
   * Replays the stream into `list` and keeps following it (an ordered consumer, which
   * re-creates itself after NATS reconnects). Resolves once the replay has caught up with
   * what the stream held at the start. `onRevoked` sees every event, replayed or live.
   */
  async follow(
    list: RevokedSessions,
    onRevoked?: (event: SessionRevoked, live: boolean) => void,
    timeoutMs = 10_000,
  ): Promise<{ stop: () => void; replayed: number }> {
    const { maxAgeSeconds } = await this.ensure();
    const jsm = await this.nc.jetstreamManager();
    const lastAtStart = (await jsm.streams.info(this.name)).state.last_seq;
    const consumer = await this.nc.jetstream().consumers.get(this.name);
    let replayed = 0;
    let caughtUp: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (caughtUp = resolve));
    if (lastAtStart === 0) caughtUp();
    const messages = await consumer.consume({
      callback: (m: JsMsg) => {
        const event = decode(m);
        if (event) {
          const at = m.info.timestampNanos / 1e6;
          list.revoke(event, at, at + maxAgeSeconds * 1000);
          onRevoked?.(event, m.info.streamSequence > lastAtStart);
        }
        if (m.info.streamSequence <= lastAtStart) replayed++;
        if (m.info.streamSequence >= lastAtStart) caughtUp();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`revoked sessions: stream ${this.name} not replayed within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    return { stop: () => void messages.close(), replayed };
  }
}

function decode(m: JsMsg): SessionRevoked | undefined {
  try {
    const data = codec.decode(m.data).data;
    if (data && typeof data.userId === 'string' && (data.sessionId === undefined || typeof data.sessionId === 'string'))
      return data;
  } catch {
    // not ours: ignored
  }
  return undefined;
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: string; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || e?.code === '404' || /stream not found/i.test(e?.message ?? '');
}
