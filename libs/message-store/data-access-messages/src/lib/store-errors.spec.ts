import { isDatabaseUnavailable } from './store-errors';

describe('isDatabaseUnavailable', () => {
  it.each([
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '08006', message: 'connection failure' }],
    [{ code: '53300', message: 'sorry, too many clients already' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('timeout exceeded when trying to connect')],
  ])('treats %j as unavailable', (err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([[{ code: '23505', message: 'duplicate key' }], [new Error('boom')], [null], ['text'], [{ code: '22P02' }]])(
    'treats %j as a real fault',
    (err) => {
      expect(isDatabaseUnavailable(err)).toBe(false);
    },
  );
});
