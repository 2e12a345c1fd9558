import { sessionRevocationsStreamName, SessionRevokedV1, UsersExistV1 } from './auth.subjects';
import * as authSubjects from './auth.subjects';
import * as blocksSubjects from './blocks.subjects';
import { BlockChangedV1, BlockCreateV1, BlockListV1, BlockRelationsV1, BlockRemoveV1 } from './blocks.subjects';
import type { EventContract, RpcContract, ServiceQueue } from './contract';
import * as gatewaySubjects from './gateway.subjects';
import * as headsSubjects from './heads.subjects';
import { ChatHeadsDigestV1, ChatHeadsRecoverV1 } from './heads.subjects';
import * as messageStoreSubjects from './message-store.subjects';
import * as presenceSubjects from './presence.subjects';
import * as pushSubjects from './push.subjects';
import { ChatMembershipChangedV1, gatewayDeliverV1 } from './gateway.subjects';
import {
  ChatCreateV1,
  ChatGetV1,
  ChatListV1,
  ChatMemberRemoveV1,
  ChatMemberRoleV1,
  ChatMembersAddV1,
  ChatMembersV1,
  ChatSettingsV1,
  ChatUpdateV1,
  MessageAppendBatchV1,
  MessageAppendV1,
  MessageDeleteV1,
  MessageEditV1,
  MessageHistoryV1,
  MessageReactV1,
  ReceiptListV1,
  ReceiptMoveV1,
  EventListV1,
  SharesChatV1,
  UserCursorsV1,
} from './message-store.subjects';
import {
  PresenceArrivedV1,
  PresenceChangedV1,
  PresenceConnectV1,
  PresenceDisconnectV1,
  PresenceHeartbeatV1,
  PresenceInstanceGoneV1,
  PresenceLocateV1,
  PresenceQueryV1,
} from './presence.subjects';
import { DeviceRegisterV1, DeviceRemoveV1, PushNotifyV1 } from './push.subjects';

type AnyRpc = RpcContract<unknown, unknown>;
export type RevocationStreamUse = 'write' | 'follow';
type AnyEvent = EventContract<unknown>;

/** The five apps, each with one NATS identity (user name = its queue group name). */
export const NATS_APPS: readonly ServiceQueue[] = [
  'auth',
  'chat-gateway',
  'presence',
  'message-store',
  'push-notifier',
];

/**
 * What one app does on NATS besides serving the RPCs whose `queue` is its name (that part is
 * derived from the contracts). This is the source of the app's NATS permissions: a subject
 * missing here is refused by the server once authentication is on.
 */
export interface AppNatsUse {
  /** RPCs it requests (NatsBus.request, RpcPipeline), replies coming back under natsInboxPrefix(app). */
  readonly calls: readonly AnyRpc[];
  readonly publishes: readonly AnyEvent[];
  /** Events every replica receives (plain subscriptions). */
  readonly subscribes: readonly AnyEvent[];
  /** Events one replica receives: subscriptions in the app's queue group (@EventPattern, or bus.subscribe with it). */
  readonly consumes: readonly AnyEvent[];
  /**
   * What it does with the JetStream stream of revoked sessions (sessionRevocationsStreamName):
   * `write` = create it, set its max age and publish into it; `follow` = replay and follow it.
   */
  readonly revocationStream?: readonly RevocationStreamUse[];
}

/**
 * Every chat-gateway replica listens on its own `gateway.<instanceId>.deliver.v1` and publishes to
 * the others'. All gateways share ONE identity, so their permission is the pattern over every
 * instance: a gateway can read another gateway's deliveries (it is trusted with them anyway).
 */
const AnyGatewayDeliverV1 = gatewayDeliverV1('*');

export const APP_NATS_USE: Readonly<Record<ServiceQueue, AppNatsUse>> = {
  auth: {
    calls: [],
    publishes: [SessionRevokedV1], // through the revocation stream (a JetStream publish)
    subscribes: [],
    consumes: [],
    // Every auth replica also follows the stream: it refuses revoked tokens itself.
    revocationStream: ['write', 'follow'],
  },
  'chat-gateway': {
    calls: [
      ChatCreateV1,
      ChatGetV1,
      ChatListV1,
      ChatMembersAddV1,
      ChatMemberRemoveV1,
      ChatUpdateV1,
      ChatMemberRoleV1,
      ChatSettingsV1,
      ChatMembersV1,
      UserCursorsV1,
      SharesChatV1,
      MessageAppendBatchV1,
      MessageHistoryV1,
      MessageEditV1,
      MessageDeleteV1,
      MessageReactV1,
      ReceiptMoveV1,
      ReceiptListV1,
      PresenceConnectV1,
      PresenceDisconnectV1,
      PresenceLocateV1,
      PresenceQueryV1,
      DeviceRegisterV1,
      DeviceRemoveV1,
      UsersExistV1,
      ChatHeadsRecoverV1,
      EventListV1,
      BlockCreateV1,
      BlockRemoveV1,
      BlockListV1,
      BlockRelationsV1,
    ],
    publishes: [
      AnyGatewayDeliverV1,
      ChatMembershipChangedV1,
      BlockChangedV1,
      PushNotifyV1,
      PresenceHeartbeatV1,
      PresenceInstanceGoneV1,
      PresenceArrivedV1,
    ],
    subscribes: [
      AnyGatewayDeliverV1,
      ChatMembershipChangedV1,
      PresenceChangedV1,
      PresenceArrivedV1,
      SessionRevokedV1,
      ChatHeadsDigestV1,
      BlockChangedV1,
    ],
    consumes: [],
    revocationStream: ['follow'],
  },
  presence: {
    calls: [],
    publishes: [PresenceChangedV1],
    subscribes: [],
    consumes: [PresenceHeartbeatV1, PresenceInstanceGoneV1],
  },
  'message-store': {
    calls: [],
    publishes: [ChatHeadsDigestV1],
    subscribes: [],
    consumes: [],
  },
  'push-notifier': {
    calls: [],
    publishes: [],
    subscribes: [],
    consumes: [PushNotifyV1, PresenceChangedV1],
  },
};

/**
 * Served but requested by no app: tests and tools use them (the gateway appends through
 * message.append-batch.v1). Listed so that forgetting a caller is still caught for every other RPC.
 */
export const RPCS_CALLED_BY_NO_APP: readonly AnyRpc[] = [MessageAppendV1];

/**
 * Every contract constant the subject modules export (a new one is picked up here by itself).
 * Per-instance subjects are factories (gatewayDeliverV1) and appear in APP_NATS_USE as patterns.
 */
export const NATS_CONTRACTS: readonly (AnyRpc | AnyEvent)[] = [
  authSubjects,
  blocksSubjects,
  gatewaySubjects,
  headsSubjects,
  messageStoreSubjects,
  presenceSubjects,
  pushSubjects,
]
  .flatMap((m) => Object.values(m as Record<string, unknown>))
  .filter(isContract);

export function isContract(value: unknown): value is AnyRpc | AnyEvent {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return (
    typeof value === 'object' &&
    (kind === 'rpc' || kind === 'event') &&
    typeof (value as { subject?: unknown }).subject === 'string'
  );
}

const ALL_RPCS = NATS_CONTRACTS.filter((c): c is AnyRpc => c.kind === 'rpc');

/** The RPCs `app` answers: those whose queue group is its name. */
export function rpcsServedBy(app: ServiceQueue, rpcs: readonly AnyRpc[] = ALL_RPCS): AnyRpc[] {
  return rpcs.filter((c) => c.queue === app);
}

/** A nats-server `permissions` block (user/password authorization, nats-server 2.9+). */
export interface NatsPermissions {
  publish: { allow: string[] } | { deny: string[] };
  subscribe: { allow: string[] } | { deny: string[] };
  /**
   * Present when the app serves RPCs: it may publish ONE reply to the reply subject of each
   * request it received (within 2 minutes). Servers may also publish under their callers' inbox
   * prefixes (natsPermissions says why), never under another app's.
   */
  allow_responses?: true;
}

/**
 * Prefix of `app`'s reply inboxes (nats.js `inboxPrefix`; NatsBus, RpcPipeline and its JetStream
 * consumers all create their inboxes under it). Each app may subscribe only under its own, so no
 * app can read the replies meant for another.
 */
export function natsInboxPrefix(app: ServiceQueue): string {
  return `_INBOX.${app}`;
}

/**
 * The JetStream API subjects the revocation stream needs (read in nats.js 2.29 and checked against
 * nats-server 2.9): `$JS.API.INFO` (jetstreamManager checks the API), the stream's INFO/CREATE,
 * the writer's UPDATE (max age = token lifetime), and for a follower its ordered consumer
 * (CREATE with a name, pull with MSG.NEXT, INFO when heartbeats stop, DELETE of the old one on
 * reset). No one may DELETE or PURGE the stream: revoked tokens must stay revoked.
 */
export function revocationStreamApiSubjects(uses: readonly RevocationStreamUse[], subjectPrefix = ''): string[] {
  const stream = sessionRevocationsStreamName(subjectPrefix);
  const subjects = ['$JS.API.INFO', `$JS.API.STREAM.INFO.${stream}`, `$JS.API.STREAM.CREATE.${stream}`];
  if (uses.includes('write')) subjects.push(`$JS.API.STREAM.UPDATE.${stream}`);
  if (uses.includes('follow')) {
    subjects.push(
      `$JS.API.CONSUMER.CREATE.${stream}.*`,
      `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
      `$JS.API.CONSUMER.INFO.${stream}.*`,
      `$JS.API.CONSUMER.DELETE.${stream}.*`,
    );
  }
  return subjects;
}

/**
 * Exactly what `app` needs on NATS, as a nats-server permissions block. `subjectPrefix` is the
 * stack's NATS_SUBJECT_PREFIX (the same for every app of a stack). A subscribe entry
 * "subject queue" allows only that queue group: an app serves its RPCs and consumes its events
 * in its own group (its name), never as a plain subscriber that would see every message.
 */
export function natsPermissions(app: ServiceQueue, options: { subjectPrefix?: string } = {}): NatsPermissions {
  const p = options.subjectPrefix ?? '';
  const use = APP_NATS_USE[app];
  const served = rpcsServedBy(app);
  const publish = [...use.calls, ...use.publishes].map((c) => p + c.subject);
  const subscribe = [
    ...[...served, ...use.consumes].map((c) => `${p}${c.subject} ${app}`),
    ...use.subscribes.map((c) => p + c.subject),
  ];
  if (use.calls.length > 0 || use.revocationStream?.length) subscribe.push(`${natsInboxPrefix(app)}.>`);
  if (use.revocationStream?.length) publish.push(...revocationStreamApiSubjects(use.revocationStream, p));
  // Replies to its callers' inboxes, besides allow_responses: that right lives in the connection
  // that received the request, so a replica whose NATS node died mid-request could not answer
  // after reconnecting to another node, and its caller would wait out the whole timeout.
  publish.push(...callersOf(served).map((caller) => `${natsInboxPrefix(caller)}.>`));
  // An empty allow list would mean "no restriction" to nats-server: deny everything instead.
  const perms: NatsPermissions = {
    publish: publish.length > 0 ? { allow: unique(publish) } : { deny: ['>'] },
    subscribe: subscribe.length > 0 ? { allow: unique(subscribe) } : { deny: ['>'] },
  };
  if (served.length > 0) perms.allow_responses = true;
  return perms;
}

/** The apps that call any of `rpcs`. */
function callersOf(rpcs: readonly AnyRpc[]): ServiceQueue[] {
  const subjects = new Set(rpcs.map((r) => r.subject));
  return (Object.keys(APP_NATS_USE) as ServiceQueue[]).filter((app) =>
    APP_NATS_USE[app].calls.some((c) => subjects.has(c.subject)),
  );
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
