import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpStatusByCode } from '@parley/contracts';
import type { Response } from 'express';
import { throwError } from 'rxjs';
import { toParleyError } from './error-mapping';
import { loggableError } from './log-safety';

/**
 * One filter for HTTP and NATS handlers: expected failures keep their code, anything
 * else is logged and answered as `internal` without leaking details.
 */
@Catch()
export class ParleyExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost) {
    const known = toParleyError(exception);
    if (!known) this.logger.error({ err: loggableError(exception) }, 'unhandled error');
    const body = known ? known.toBody() : { code: 'internal' as const, message: 'internal error' };

    if (host.getType() === 'rpc') {
      return throwError(() => body);
    }
    if (host.getType() === 'http') {
      const res = host.switchToHttp().getResponse<Response>();
      if (res.headersSent) return;
      res.status(HttpStatusByCode[body.code]).json({ error: body });
    }
    return undefined;
  }
}
