import { colourOf, initials } from '../lib/format';

export function Avatar({
  id,
  name,
  size = 40,
  online = false,
}: {
  id: string;
  name: string;
  size?: number;
  online?: boolean;
}) {
  return (
    <span
      className="avatar"
      style={{ width: size, height: size, background: colourOf(id), fontSize: size * 0.4 }}
      aria-hidden="true"
    >
      {initials(name)}
      {online && <span className="avatar-online" />}
    </span>
  );
}
