/** A row of auth.users. */
export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  /** scrypt$N$r$p$salt$hash (base64), see PasswordHasher. */
  passwordHash: string;
  createdAt: Date;
}
