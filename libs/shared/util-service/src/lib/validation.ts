import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ParleyError } from '@parley/contracts';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const own = e.constraints ? [`${prefix}${e.property}: ${Object.values(e.constraints)[0]}`] : [];
    return [...own, ...describe(e.children ?? [], `${prefix}${e.property}.`)];
  });
}

function validationMessage(errors: ValidationError[]): string {
  return describe(errors).join('; ');
}

/** HTTP bodies and params: unknown fields rejected, errors name the field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ParleyError('invalid', validationMessage(errors)),
  });
}

/**
 * Validates an untrusted payload (a Socket.IO event) against a DTO class; throws
 * `invalid` naming the field.
 */
export async function validatePayload<T extends object>(cls: new () => T, payload: unknown): Promise<T> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new ParleyError('invalid', 'payload must be an object');
  }
  const instance = plainToInstance(cls, payload);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: false });
  if (errors.length > 0) throw new ParleyError('invalid', validationMessage(errors));
  return instance;
}
