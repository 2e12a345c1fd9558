import { isDatabaseUnavailable } from './database-errors';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ code: '53300', message: 'sorry, too many clients already' }],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }],
    [{ code: '25P03', message: 'terminating connection due to idle-in-transaction timeout' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('Connection terminated due to connection timeout')],
    [new Error('timeout exceeded when trying to connect')],
    [new Error('Query read timeout')],
    // TypeORM's QueryFailedError keeps the driver's error
    [{ message: 'Error: something', driverError: new Error('Query read timeout') }],
  ])('treats %j as unavailable', (err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    [{ code: '23505', message: 'duplicate key' }],
    [new Error('boom')],
    [null],
    ['text'],
    [{ code: '22P02' }],
    [{ driverError: { code: '23505' } }],
  ])('treats %j as a real fault', (err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});
