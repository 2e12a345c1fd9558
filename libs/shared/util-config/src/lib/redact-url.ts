/** A connection URL for logs and errors: redis://user:secret@host -> redis://user:***@host. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    // Not a URL (a typo in the variable): still never print what may be a password.
    return url.replace(/\/\/([^/]*)@/, (_, userinfo: string) => `//${userinfo.split(':')[0]}:***@`);
  }
}
