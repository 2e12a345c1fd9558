import { assertPayloadShape } from './payload-shape';

describe('assertPayloadShape', () => {
  const limits = { maxDepth: 6, maxNodes: 2000 };

  it('accepts every docs/protocol.md payload shape', () => {
    expect(() => assertPayloadShape({ chatId: 'c', clientMsgId: 'm', body: 'b' }, limits)).not.toThrow();
    expect(() =>
      assertPayloadShape({ userIds: Array.from({ length: 1024 }, (_, i) => `u${i}`) }, limits),
    ).not.toThrow();
    expect(() => assertPayloadShape('text', limits)).not.toThrow();
    expect(() => assertPayloadShape(null, limits)).not.toThrow();
  });

  it('refuses deep nesting without recursing (30,000 levels)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 30_000; i++) deep = [deep];
    expect(() => assertPayloadShape({ chatId: deep }, limits)).toThrow(expect.objectContaining({ code: 'invalid' }));
    let objects: unknown = {};
    for (let i = 0; i < 7; i++) objects = { a: objects };
    expect(() => assertPayloadShape(objects, limits)).toThrow('nested deeper than 6 levels');
  });

  it('refuses payloads with too many values', () => {
    const wide = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]));
    expect(() => assertPayloadShape(wide, limits)).toThrow('too many fields');
  });

  it('refuses prototype keys anywhere in the payload', () => {
    for (const json of [
      '{"__proto__":{"x":1}}',
      '{"chatId":"c","extra":{"constructor":null}}',
      '{"a":[{"prototype":1}]}',
    ]) {
      expect(() => assertPayloadShape(JSON.parse(json), limits)).toThrow(expect.objectContaining({ code: 'invalid' }));
    }
  });

  it('refuses deep nesting whatever the shape of the top level', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10; i++) deep = { a: deep };
    expect(() => assertPayloadShape([deep], limits)).toThrow(expect.objectContaining({ code: 'invalid' }));
  });
});
