import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import { isDatabaseUnavailable } from '@parley/message-store/data-access-messages';
import { catchError, throwError, type Observable } from 'rxjs';

/** PostgreSQL unreachable is `unavailable` (safe to retry), not `internal`. */
@Injectable()
export class StoreErrorsInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        catchError((err: unknown) =>
          throwError(() =>
            isDatabaseUnavailable(err)
              ? new ParleyError('unavailable', 'the message database is unavailable; retry')
              : err,
          ),
        ),
      );
  }
}
