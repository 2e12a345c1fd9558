import { parseSs, wireDelta } from './wire-bytes';

const SS = (sent: number, received: number, segsOut: number, segsIn: number, port = 40001) =>
  `0      0          127.0.0.1:${port}    127.0.0.1:3005\n` +
  `\t bbr wscale:10,10 rto:204 mss:32768 cwnd:11 bytes_sent:${sent} bytes_acked:${sent} bytes_received:${received} segs_out:9 segs_in:9 data_segs_out:${segsOut} data_segs_in:${segsIn} lastsnd:4\n`;

describe('wire bytes from ss -tinH', () => {
  it('reads each connection by its addresses, from the client side', () => {
    const s = parseSs(SS(100, 250, 2, 3) + SS(7, 9, 1, 1, 40002));
    expect([...s.keys()]).toEqual(['127.0.0.1:40001 127.0.0.1:3005', '127.0.0.1:40002 127.0.0.1:3005']);
    expect(s.get('127.0.0.1:40001 127.0.0.1:3005')).toEqual({ up: 100, down: 250, segsUp: 2, segsDown: 3 });
  });

  it('counts the growth of each connection, and new connections whole, per acked message', () => {
    const before = parseSs(SS(100, 250, 2, 3));
    const after = parseSs(SS(1100, 2250, 12, 23) + SS(50, 50, 1, 1, 40002));
    expect(wireDelta(before, after, 10)).toEqual({
      bytesUp: 1050,
      bytesDown: 2050,
      dataSegments: 32,
      connections: 2,
      bytesPerMessage: 310,
    });
  });
});
