import type { TypingState } from './protocol';
import { TypingNotifier, TypingTracker } from './typing';

describe('TypingTracker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('expires a typing indicator whose stop never came', () => {
    const seen: TypingState[] = [];
    const t = new TypingTracker((s) => seen.push(s), 6000);
    t.apply({ chatId: 'c', userId: 'u', isTyping: true });
    expect(t.isTyping('c', 'u')).toBe(true);
    jest.advanceTimersByTime(5999);
    expect(seen.map((s) => s.isTyping)).toEqual([true]);
    jest.advanceTimersByTime(1);
    expect(seen.map((s) => s.isTyping)).toEqual([true, false]);
    expect(t.isTyping('c', 'u')).toBe(false);
  });

  it("clears on the typist's message and ignores a stop for someone not typing", () => {
    const seen: TypingState[] = [];
    const t = new TypingTracker((s) => seen.push(s));
    t.apply({ chatId: 'c', userId: 'u', isTyping: false });
    t.clear('c', 'v');
    expect(seen).toEqual([]);
    t.apply({ chatId: 'c', userId: 'u', isTyping: true });
    t.clear('c', 'u');
    expect(seen).toEqual([
      { chatId: 'c', userId: 'u', isTyping: true },
      { chatId: 'c', userId: 'u', isTyping: false },
    ]);
    jest.advanceTimersByTime(10_000);
    expect(seen).toHaveLength(2);
  });
});

describe('TypingNotifier', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends true at most every repeatMs while typing and false once idle', () => {
    const sent: [string, boolean][] = [];
    const n = new TypingNotifier((c, t) => sent.push([c, t]), 3000, 2500);
    n.keystroke('c');
    jest.advanceTimersByTime(1000);
    n.keystroke('c');
    jest.advanceTimersByTime(1000);
    n.keystroke('c');
    expect(sent).toEqual([['c', true]]);
    jest.advanceTimersByTime(1000);
    n.keystroke('c'); // 3 s after the first true
    expect(sent).toEqual([
      ['c', true],
      ['c', true],
    ]);
    jest.advanceTimersByTime(3000);
    expect(sent).toEqual([
      ['c', true],
      ['c', true],
      ['c', false],
    ]);
    n.stop('c'); // already stopped: nothing more
    expect(sent).toHaveLength(3);
  });
});
