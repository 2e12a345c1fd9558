import {
  BadRequestException,
  HttpException,
  HttpStatus,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import { IsInt, Min } from 'class-validator';
import { toParleyError } from './error-mapping';
import { validatePayload } from './validation';

class Sample {
  @IsInt() @Min(1) n: number;
}

describe('toParleyError', () => {
  it('keeps ParleyError as it is', () => {
    const err = new ParleyError('forbidden', 'no');
    expect(toParleyError(err)).toBe(err);
  });

  it('maps Nest HTTP exceptions, throttling and body-parser errors to PROTOCOL codes', () => {
    expect(toParleyError(new BadRequestException('bad'))?.code).toBe('invalid');
    expect(toParleyError(new NotFoundException())?.code).toBe('not_found');
    expect(toParleyError(new PayloadTooLargeException())?.code).toBe('payload_too_large');
    expect(toParleyError(new HttpException('slow down', HttpStatus.TOO_MANY_REQUESTS))?.code).toBe('rate_limited');
    expect(toParleyError({ type: 'entity.too.large', status: 413 })?.code).toBe('payload_too_large');
    expect(toParleyError({ type: 'entity.parse.failed', status: 400 })?.code).toBe('invalid');
  });

  it('maps a database that does not answer (a pool timeout, a lost connection) to unavailable', () => {
    expect(toParleyError(new Error('Query read timeout'))?.code).toBe('unavailable');
    expect(toParleyError({ code: '57014', message: 'canceling statement due to statement timeout' })?.code).toBe(
      'unavailable',
    );
    expect(toParleyError(new Error('timeout exceeded when trying to connect'))?.code).toBe('unavailable');
  });

  it('answers null for unexpected faults (they become internal, logged)', () => {
    expect(toParleyError(new Error('boom'))).toBeNull();
    expect(toParleyError(undefined)).toBeNull();
  });
});

describe('validatePayload', () => {
  it('rejects non-objects and names bad fields', async () => {
    for (const bad of [null, 'x', 42, [1]])
      await expect(validatePayload(Sample, bad)).rejects.toMatchObject({ code: 'invalid' });
    await expect(validatePayload(Sample, { n: 0 })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('n:'),
    });
    await expect(validatePayload(Sample, { n: 3 })).resolves.toMatchObject({ n: 3 });
  });
});
