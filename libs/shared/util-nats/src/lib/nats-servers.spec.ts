import { natsServers } from './nats-servers';

describe('natsServers', () => {
  it('takes one URL as a list of one', () => {
    expect(natsServers('nats://127.0.0.1:4222')).toEqual(['nats://127.0.0.1:4222']);
  });

  it('splits a comma-separated list of a cluster, trimming blanks and empty entries', () => {
    expect(natsServers(' nats://n1:4222, nats://n2:4222 ,,tls://n3:4222 ')).toEqual([
      'nats://n1:4222',
      'nats://n2:4222',
      'tls://n3:4222',
    ]);
  });

  it('refuses a value that names no server', () => {
    expect(() => natsServers(' , ')).toThrow('NATS_URL names no server');
  });
});
