import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ClientEvents,
  DeleteMessagePayload,
  EditMessagePayload,
  ParleyError,
  PresenceSubscribePayload,
  ReactMessagePayload,
  ReceiptPayload,
  SendMessagePayload,
  TypingPayload,
  type Ack,
  type ClientEventName,
} from '@parley/contracts';
import { assertPayloadShape, loggableError, toParleyError, validatePayload } from '@parley/shared/util-service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { MessagingService } from '../messaging/messaging.service';
import type { ClientConnection } from '../connections/client-connection';

/** Largest number of values in one event payload (a presence:subscribe of 1024 ids is 1025). */
const MAX_PAYLOAD_NODES = 2048;

/**
 * Every client event of docs/protocol.md, whatever edge it came in on: payload shape checked
 * before any validator walks it, validated with the contract's DTOs, handled, answered with
 * one ack. Nothing a client sends makes it throw.
 */
@Injectable()
export class ClientEventsService {
  private readonly logger = new Logger(ClientEventsService.name);
  private readonly handlers: { [E in ClientEventName]: (conn: ClientConnection, payload: unknown) => Promise<object> };

  constructor(
    messaging: MessagingService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.handlers = {
      [ClientEvents.MessageSend]: async (conn, p) => messaging.send(conn, await validatePayload(SendMessagePayload, p)),
      [ClientEvents.MessageEdit]: async (conn, p) => messaging.edit(conn, await validatePayload(EditMessagePayload, p)),
      [ClientEvents.MessageDelete]: async (conn, p) =>
        messaging.delete(conn, await validatePayload(DeleteMessagePayload, p)),
      [ClientEvents.MessageReact]: async (conn, p) =>
        messaging.react(conn, await validatePayload(ReactMessagePayload, p)),
      [ClientEvents.MessageDelivered]: async (conn, p) =>
        messaging.receipt(conn, 'delivered', await validatePayload(ReceiptPayload, p)),
      [ClientEvents.MessageRead]: async (conn, p) =>
        messaging.receipt(conn, 'read', await validatePayload(ReceiptPayload, p)),
      [ClientEvents.Typing]: async (conn, p) => {
        await messaging.typing(conn, await validatePayload(TypingPayload, p));
        return {};
      },
      [ClientEvents.PresenceSubscribe]: async (conn, p) => {
        const input = await validatePayload(PresenceSubscribePayload, p);
        return { presence: await messaging.subscribePresence(conn, input.userIds) };
      },
    };
  }

  /** Runs an event and turns any failure into `{ok:false, error}`. */
  async handle(conn: ClientConnection | undefined, event: ClientEventName, payload: unknown): Promise<Ack> {
    if (!conn) return { ok: false, error: { code: 'unauthorized', message: 'not connected' } };
    try {
      assertPayloadShape(payload, { maxDepth: this.config.security.maxPayloadDepth, maxNodes: MAX_PAYLOAD_NODES });
      return { ok: true, ...(await this.handlers[event](conn, payload)) };
    } catch (err) {
      const known = toParleyError(err);
      // Its type, message and stack only: an error object may carry what a client sent.
      if (!known) this.logger.error({ err: loggableError(err) }, 'event failed');
      const error = known ?? new ParleyError('internal', 'internal error');
      return { ok: false, error: error.toBody() };
    }
  }
}
