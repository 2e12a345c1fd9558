/** Something an app needs to do its job: its database, Redis or NATS connection. */
export interface ReadinessCheck {
  readonly name: string;
  isReady(): Promise<boolean>;
}

/** Injection token for the app's readiness checks (an array of ReadinessCheck). */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

export async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
