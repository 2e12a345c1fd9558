import { connect } from 'node:net';

/** used_memory of a Redis server (INFO memory over a plain RESP connection), in bytes. */
export function redisUsedMemory(url: string): Promise<number | undefined> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    let data = '';
    const done = (v: number | undefined) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(3000, () => done(undefined));
    socket.on('error', () => done(undefined));
    socket.on('connect', () => socket.write('INFO memory\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const m = /used_memory:(\d+)/.exec(data);
      if (m && data.includes('\r\n', data.indexOf('used_memory:'))) done(Number(m[1]));
    });
  });
}
