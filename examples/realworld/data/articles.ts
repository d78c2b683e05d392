/** Articles, their tags and favorites; lists are filtered, counted and paged in SQL. */
import { randomBytes } from 'node:crypto'
import type { Executor, Row } from '../db/index.js'
import { type Profile, toProfile } from './users.js'

/** An article as the API sends it; lists leave out `body`. */
export interface Article {
  slug: string
  title: string
  description: string
  body?: string
  tagList: string[]
  createdAt: string
  updatedAt: string
  favorited: boolean
  favoritesCount: number
  author: Profile
}

/** What a new article needs. */
export interface NewArticle {
  title: string
  description: string
  body: string
  tagList: string[]
}

/** Which articles a list shows; every filter given must match. */
export interface ArticleFilter {
  tag?: string
  author?: string
  favorited?: string
  /** Only articles by users this user follows (the feed). */
  followedBy?: number
}

/** The id and author of an article, for ownership checks. */
export interface ArticleRef {
  id: number
  authorId: number
}

// The viewer's id is bound twice (favorited, following): `?` number 1 and 2 of every article query.
const COLUMNS = `a.id, a.slug, a.title, a.description, a.body, a.created_at, a.updated_at,
  u.username AS author_username, u.bio AS author_bio, u.image AS author_image,
  (SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id) AS favorites_count,
  EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = ?) AS favorited,
  EXISTS (SELECT 1 FROM follows w WHERE w.followee_id = a.author_id AND w.follower_id = ?) AS author_following`
const FROM = 'FROM articles a JOIN users u ON u.id = a.author_id'

/** One page of articles, newest first, and how many match in all. */
export async function listArticles(
  db: Executor,
  filter: ArticleFilter,
  page: { limit: number; offset: number },
  viewer: number | null,
): Promise<{ articles: Article[]; articlesCount: number }> {
  const { where, params } = conditions(filter)
  const count = await db.get(`SELECT COUNT(*) AS n ${FROM} ${where}`, params)
  const rows = await db.all(`SELECT ${COLUMNS} ${FROM} ${where} ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?`, [
    viewer,
    viewer,
    ...params,
    page.limit,
    page.offset,
  ])
  const articles = await withTags(db, rows)
  for (const article of articles) article.body = undefined
  return { articles, articlesCount: Number(count?.n ?? 0) }
}

/** The article at `slug`, as `viewer` sees it. */
export async function findArticle(db: Executor, slug: string, viewer: number | null): Promise<Article | undefined> {
  const row = await db.get(`SELECT ${COLUMNS} ${FROM} WHERE a.slug = ?`, [viewer, viewer, slug])
  return row === undefined ? undefined : (await withTags(db, [row]))[0]
}

/** The id and author of the article at `slug`. */
export async function articleRef(db: Executor, slug: string): Promise<ArticleRef | undefined> {
  const row = await db.get('SELECT id, author_id FROM articles WHERE slug = ?', [slug])
  return row === undefined ? undefined : { id: Number(row.id), authorId: Number(row.author_id) }
}

/** Adds an article with its tags; resolves with its slug. */
export async function createArticle(db: Executor, authorId: number, input: NewArticle): Promise<string> {
  const now = new Date().toISOString()
  const slug = slugify(input.title)
  const row = await db.get(
    'INSERT INTO articles (slug, author_id, title, description, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [slug, authorId, input.title, input.description, input.body, now, now],
  )
  const id = Number(row?.id)
  if (input.tagList.length > 0) {
    const values = input.tagList.map(() => '(?, ?)').join(', ')
    await db.run(`INSERT INTO article_tags (article_id, tag) VALUES ${values}`, input.tagList.flatMap((tag) => [id, tag]))
  }
  return slug
}

/** Changes title, description or body (a different title makes a new slug); resolves with the slug. */
export async function updateArticle(db: Executor, id: number, changes: Partial<Omit<NewArticle, 'tagList'>>): Promise<string> {
  const set: string[] = ['updated_at = ?']
  const params: unknown[] = [new Date().toISOString()]
  if (changes.title !== undefined) {
    // SET expressions read the row as it was, so `title` here is the old title.
    set.push('slug = CASE WHEN title = ? THEN slug ELSE ? END', 'title = ?')
    params.push(changes.title, slugify(changes.title), changes.title)
  }
  for (const field of ['description', 'body'] as const) {
    if (changes[field] === undefined) continue
    set.push(`${field} = ?`)
    params.push(changes[field])
  }
  const row = await db.get(`UPDATE articles SET ${set.join(', ')} WHERE id = ? RETURNING slug`, [...params, id])
  return String(row?.slug)
}

/** Deletes an article; its tags, favorites and comments go with it. */
export async function deleteArticle(db: Executor, id: number): Promise<void> {
  await db.run('DELETE FROM articles WHERE id = ?', [id])
}

/** `user` favorites (or stops favoriting) an article; doing it twice changes nothing. */
export async function setFavorite(db: Executor, user: number, articleId: number, favorite: boolean): Promise<void> {
  if (favorite) await db.run('INSERT INTO favorites (user_id, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [user, articleId])
  else await db.run('DELETE FROM favorites WHERE user_id = ? AND article_id = ?', [user, articleId])
}

/** The tags in use, most used first. */
export async function listTags(db: Executor): Promise<string[]> {
  const rows = await db.all('SELECT tag FROM article_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag LIMIT 100')
  return rows.map((r) => String(r.tag))
}

/** `How to train your dragon` → `how-to-train-your-dragon-5f2c9a1e`: readable, and unique by its suffix. */
export function slugify(title: string): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '')
  return `${words || 'article'}-${randomBytes(4).toString('hex')}`
}

function conditions(filter: ArticleFilter): { where: string; params: unknown[] } {
  const clauses: string[] = []
  const params: unknown[] = []
  if (filter.tag !== undefined) {
    clauses.push('a.id IN (SELECT t.article_id FROM article_tags t WHERE t.tag = ?)')
    params.push(filter.tag)
  }
  if (filter.author !== undefined) {
    clauses.push('u.username = ?')
    params.push(filter.author)
  }
  if (filter.favorited !== undefined) {
    clauses.push('a.id IN (SELECT f.article_id FROM favorites f JOIN users fu ON fu.id = f.user_id WHERE fu.username = ?)')
    params.push(filter.favorited)
  }
  if (filter.followedBy !== undefined) {
    clauses.push('a.author_id IN (SELECT w.followee_id FROM follows w WHERE w.follower_id = ?)')
    params.push(filter.followedBy)
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params }
}

async function withTags(db: Executor, rows: Row[]): Promise<Article[]> {
  const ids = rows.map((r) => Number(r.id))
  const tags = new Map<number, string[]>(ids.map((id) => [id, []]))
  if (ids.length > 0) {
    const marks = ids.map(() => '?').join(', ')
    for (const t of await db.all(`SELECT article_id, tag FROM article_tags WHERE article_id IN (${marks}) ORDER BY tag`, ids)) {
      tags.get(Number(t.article_id))?.push(String(t.tag))
    }
  }
  return rows.map((row) => ({
    slug: String(row.slug),
    title: String(row.title),
    description: String(row.description),
    body: String(row.body),
    tagList: tags.get(Number(row.id)) ?? [],
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    favorited: Boolean(row.favorited),
    favoritesCount: Number(row.favorites_count),
    author: toProfile(row, 'author_'),
  }))
}
