import { IsIn, IsNotEmpty, IsString, Matches } from 'class-validator';

/**
 * The variables every app reads, with one name, check and default each. An app's env class
 * extends it (through PostgresServiceEnv when it has a database) and sets its own NATS identity:
 * NATS_USER and NATS_PASSWORD_FILE (`.parley/keys/nats/<user>.password`, where `npm start` writes it).
 */
export class ServiceEnv {
  @IsString() HTTP_HOST = '0.0.0.0';
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';
  @IsString() @IsNotEmpty() NATS_URL = 'nats://127.0.0.1:4222';
  /** Put before every NATS subject, so stacks sharing a NATS server stay apart (e.g. "t1a2b3c4."). */
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]*$/, { message: 'NATS_SUBJECT_PREFIX may hold only A-Z a-z 0-9 _ . -' })
  NATS_SUBJECT_PREFIX = '';
  /** This app's NATS identity, used when NATS_PASSWORD (or the file NATS_PASSWORD_FILE) is set; else anonymous. */
  @IsString() @IsNotEmpty() NATS_USER = '';
  @IsString() NATS_PASSWORD = '';
  @IsString() NATS_PASSWORD_FILE = '';
}

/** How an app connects to NATS (its config's `nats`). */
export interface ServiceNatsConfig {
  url: string;
  subjectPrefix: string;
  user: string;
  /** Absent when NATS_PASSWORD is empty: the connection is then anonymous. */
  pass?: string;
}

/** What every app's config holds from ServiceEnv's variables (HTTP_HOST with the app's own port). */
export interface ServiceConfig {
  http: { host: string; port: number };
  logLevel: string;
  nats: ServiceNatsConfig;
}

/** The NATS part of an app's config, from ServiceEnv's variables. */
export function serviceNatsConfig(
  e: Pick<ServiceEnv, 'NATS_URL' | 'NATS_SUBJECT_PREFIX' | 'NATS_USER' | 'NATS_PASSWORD'>,
): ServiceNatsConfig {
  return {
    url: e.NATS_URL,
    subjectPrefix: e.NATS_SUBJECT_PREFIX,
    user: e.NATS_USER,
    pass: e.NATS_PASSWORD || undefined,
  };
}
