const pad = (n: number) => String(n).padStart(2, '0');

export function timeOf(iso: string): string {
  const d = new Date(iso);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** "Today", "Yesterday" or the date, for day separators. */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (sameDay(d, now)) return 'Today';
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (sameDay(d, y)) return 'Yesterday';
  return d.toLocaleDateString(undefined, {
    day: 'numeric',
    month: 'long',
    year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric',
  });
}

/** Chat list time: the time today, else the day. */
export function listTime(iso: string, now = new Date()): string {
  const label = dayLabel(iso, now);
  return label === 'Today' ? timeOf(iso) : label;
}

export function lastSeen(iso: string | null, now = new Date()): string {
  if (!iso) return 'offline';
  const label = dayLabel(iso, now);
  return `last seen ${label === 'Today' ? 'today' : label === 'Yesterday' ? 'yesterday' : label} at ${timeOf(iso)}`;
}

export function initials(name: string): string {
  const parts = name
    .trim()
    .split(/[\s_.]+/)
    .filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase();
}

/** A stable colour per id for avatars. */
export function colourOf(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 45% 55%)`;
}
