/** Comments on articles. */
import type { Executor, Row } from '../db/index.js'
import { type Profile, toProfile } from './users.js'

/** A comment as the API sends it. */
export interface Comment {
  id: number
  createdAt: string
  updatedAt: string
  body: string
  author: Profile
}

// The viewer's id is the first `?` of every comment query (`following`).
const SELECT = `SELECT c.id, c.body, c.created_at, c.updated_at, u.username, u.bio, u.image,
  EXISTS (SELECT 1 FROM follows w WHERE w.followee_id = c.author_id AND w.follower_id = ?) AS following
  FROM comments c JOIN users u ON u.id = c.author_id`

// Ids are 32-bit in PostgreSQL: a larger number names no comment (rather than a database error).
const MAX_ID = 2 ** 31 - 1

/** The comments of an article, oldest first. */
export async function listComments(db: Executor, articleId: number, viewer: number | null): Promise<Comment[]> {
  const rows = await db.all(`${SELECT} WHERE c.article_id = ? ORDER BY c.id`, [viewer, articleId])
  return rows.map(toComment)
}

/** Adds a comment; resolves with it as its author sees it. */
export async function createComment(db: Executor, articleId: number, authorId: number, body: string): Promise<Comment> {
  const now = new Date().toISOString()
  const row = await db.get('INSERT INTO comments (article_id, author_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id', [
    articleId,
    authorId,
    body,
    now,
    now,
  ])
  const created = await db.get(`${SELECT} WHERE c.id = ?`, [authorId, Number(row?.id)])
  return toComment(created as Row)
}

/** The author of comment `id` on an article, or `undefined` when the article has no such comment. */
export async function commentAuthor(db: Executor, articleId: number, id: number): Promise<number | undefined> {
  if (id > MAX_ID) return undefined
  const row = await db.get('SELECT author_id FROM comments WHERE id = ? AND article_id = ?', [id, articleId])
  return row === undefined ? undefined : Number(row.author_id)
}

/** Deletes comment `id`. */
export async function deleteComment(db: Executor, id: number): Promise<void> {
  await db.run('DELETE FROM comments WHERE id = ?', [id])
}

function toComment(row: Row): Comment {
  return {
    id: Number(row.id),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    body: String(row.body),
    author: toProfile(row),
  }
}
