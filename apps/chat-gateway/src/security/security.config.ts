import { IsInt, Max, Min } from 'class-validator';
import { loadEnv } from '@parley/shared/util-config';

/**
 * The gateway's hardening knobs. They belong in GatewayEnv (config/gateway.config.ts); they sit
 * here, read with the same loader and the same rules, until they move there.
 */
export class SecurityEnv {
  /**
   * Bytes a socket may have waiting to be written (Engine.IO buffer + the TCP socket's own
   * buffer, beyond what the kernel holds). A client that stops reading goes over it during a
   * fan-out and is dropped; what it missed waits in the store for its next connect.
   */
  @IsInt() @Min(64 * 1024) @Max(256 * 1024 * 1024) SLOW_CONSUMER_MAX_BUFFER_BYTES = 4 * 1024 * 1024;
  /** Nesting depth of a Socket.IO event payload (docs/protocol.md payloads are 2 levels deep). */
  @IsInt() @Min(2) @Max(64) MAX_PAYLOAD_DEPTH = 6;
  /** Longest time the start-up waits for the revoked-sessions stream to be replayed. */
  @IsInt() @Min(1000) @Max(120000) REVOCATIONS_REPLAY_TIMEOUT_MS = 15000;
}

export interface SecurityConfig {
  slowConsumerMaxBufferBytes: number;
  maxPayloadDepth: number;
  revocationsReplayTimeoutMs: number;
}

export function loadSecurityConfig(env: NodeJS.ProcessEnv = process.env): SecurityConfig {
  const e = loadEnv('chat-gateway', SecurityEnv, env);
  return {
    slowConsumerMaxBufferBytes: e.SLOW_CONSUMER_MAX_BUFFER_BYTES,
    maxPayloadDepth: e.MAX_PAYLOAD_DEPTH,
    revocationsReplayTimeoutMs: e.REVOCATIONS_REPLAY_TIMEOUT_MS,
  };
}
