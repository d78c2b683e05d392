/** Users, their profiles and who follows whom. */
import type { Executor, Row } from '../db/index.js'

/** A user as stored (the password hash included: never send it). */
export interface UserRecord {
  id: number
  username: string
  email: string
  password: string
  bio: string
  image: string
}

/** A user as others see it. */
export interface Profile {
  username: string
  bio: string
  image: string
  following: boolean
}

/** The fields a user may change; the password already hashed. */
export type UserChanges = Partial<Pick<UserRecord, 'username' | 'email' | 'password' | 'bio' | 'image'>>

const COLUMNS = 'id, username, email, password, bio, image'

/** Adds a user (a taken username or email throws `UniqueViolation`). */
export async function createUser(db: Executor, user: Pick<UserRecord, 'username' | 'email' | 'password'>): Promise<UserRecord> {
  const row = await db.get(`INSERT INTO users (username, email, password) VALUES (?, ?, ?) RETURNING ${COLUMNS}`, [
    user.username,
    user.email,
    user.password,
  ])
  return toUser(row as Row)
}

/** The user with this id or e-mail. */
export async function findUser(db: Executor, by: { id: number } | { email: string }): Promise<UserRecord | undefined> {
  const [column, value] = 'id' in by ? ['id', by.id] : ['email', by.email]
  const row = await db.get(`SELECT ${COLUMNS} FROM users WHERE ${column} = ?`, [value])
  return row === undefined ? undefined : toUser(row)
}

const EDITABLE: ReadonlyArray<keyof UserChanges> = ['username', 'email', 'password', 'bio', 'image']

/** Changes the given fields (a taken username or email throws `UniqueViolation`). */
export async function updateUser(db: Executor, id: number, changes: UserChanges): Promise<UserRecord> {
  // Column names come from this list, never from the input's keys.
  const fields = EDITABLE.filter((name) => changes[name] !== undefined).map((name) => [name, changes[name]] as const)
  if (fields.length > 0) {
    const set = fields.map(([name]) => `${name} = ?`).join(', ')
    await db.run(`UPDATE users SET ${set} WHERE id = ?`, [...fields.map(([, v]) => v), id])
  }
  return (await findUser(db, { id })) as UserRecord
}

/** The profile of `username` as `viewer` sees it (`following`), with the user's id. */
export async function findProfile(db: Executor, username: string, viewer: number | null): Promise<{ id: number; profile: Profile } | undefined> {
  const row = await db.get(
    'SELECT u.id, u.username, u.bio, u.image, EXISTS (SELECT 1 FROM follows w WHERE w.follower_id = ? AND w.followee_id = u.id) AS following FROM users u WHERE u.username = ?',
    [viewer, username],
  )
  return row === undefined ? undefined : { id: Number(row.id), profile: toProfile(row) }
}

/** `follower` follows (or stops following) `followee`; doing it twice changes nothing. */
export async function setFollowing(db: Executor, follower: number, followee: number, following: boolean): Promise<void> {
  if (following) await db.run('INSERT INTO follows (follower_id, followee_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [follower, followee])
  else await db.run('DELETE FROM follows WHERE follower_id = ? AND followee_id = ?', [follower, followee])
}

/** A profile from a row with `username`, `bio`, `image` and `following` columns (prefixed with `prefix`). */
export function toProfile(row: Row, prefix = ''): Profile {
  return {
    username: String(row[`${prefix}username`]),
    bio: String(row[`${prefix}bio`] ?? ''),
    image: String(row[`${prefix}image`] ?? ''),
    // SQLite answers 0/1, PostgreSQL true/false.
    following: Boolean(row[`${prefix}following`]),
  }
}

function toUser(row: Row): UserRecord {
  return {
    id: Number(row.id),
    username: String(row.username),
    email: String(row.email),
    password: String(row.password),
    bio: String(row.bio ?? ''),
    image: String(row.image ?? ''),
  }
}
