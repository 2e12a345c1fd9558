import { dayLabel, initials, lastSeen, listTime } from './format';

describe('format', () => {
  const now = new Date(2026, 0, 10, 15, 0);
  it('labels days and list times like a chat app', () => {
    expect(dayLabel(new Date(2026, 0, 10, 9, 5).toISOString(), now)).toBe('Today');
    expect(dayLabel(new Date(2026, 0, 9, 23, 0).toISOString(), now)).toBe('Yesterday');
    expect(listTime(new Date(2026, 0, 10, 9, 5).toISOString(), now)).toBe('09:05');
    expect(lastSeen(new Date(2026, 0, 10, 9, 5).toISOString(), now)).toBe('last seen today at 09:05');
    expect(lastSeen(null, now)).toBe('offline');
  });

  it('initials', () => {
    expect(initials('Alice Smith')).toBe('AS');
    expect(initials('bob_jones')).toBe('BJ');
    expect(initials('')).toBe('?');
  });
});
