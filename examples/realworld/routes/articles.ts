/** Articles and favorites: lists, the feed, one article, create, update, delete, favorite. */
import { z } from 'zod'
import type { Context, Group } from '../../../src/index.js'
import { describe } from '../../../src/middleware/openapi/index.js'
import { validate } from '../../../src/middleware/validate/index.js'
import { requireUser, signedIn, viewerOf } from '../auth/middleware.js'
import { type Article, type ArticleRef, articleRef, createArticle, deleteArticle, findArticle, listArticles, setFavorite, updateArticle } from '../data/articles.js'
import type { Database } from '../db/index.js'
import type { Deps } from '../deps.js'
import { forbidden, notFound } from '../errors.js'
import { ArticleAnswer, ArticlesAnswer, NoContent } from '../openapi.js'
import { page, text, unprocessable } from '../schemas.js'

const list = validate({ query: z.object({ tag: text(50).optional(), author: text(40).optional(), favorited: text(40).optional(), ...page }) }, unprocessable)

const feed = validate({ query: z.object(page) }, unprocessable)

// Tags are trimmed, kept once each and sorted: ["training", "dragons"] is stored as ["dragons", "training"].
const tagList = z
  .array(text(50), { error: 'must be a list of tags' })
  .max(20, 'must have at most 20 tags')
  .default([])
  .transform((tags) => [...new Set(tags)].sort())

const create = validate({
  body: z.object({ article: z.object({ title: text(200), description: text(1000), body: text(100_000), tagList }) }),
}, unprocessable)

const update = validate({
  body: z.object({
    article: z
      .object({ title: text(200).optional(), description: text(1000).optional(), body: text(100_000).optional() })
      .refine((a) => a.title !== undefined || a.description !== undefined || a.body !== undefined, { error: 'give a title, description or body' }),
  }),
}, unprocessable)

const tags = ['Articles']
const favorites = ['Favorites']

/** The routes of articles. */
export function articleRoutes(api: Group<'/api'>, { db }: Deps): void {
  api.get('/articles', describe({ operationId: 'GetArticles', summary: 'Get recent articles globally', tags, responses: { 200: ArticlesAnswer } }), list, async (c) => {
    const { limit, offset, ...filter } = c.valid(list).query
    return listArticles(db, filter, { limit, offset }, viewerOf(c))
  })

  api.get('/articles/feed', describe({ operationId: 'GetArticlesFeed', summary: 'Get recent articles from users you follow', tags, responses: { 200: ArticlesAnswer } }), requireUser, feed, async (c) => {
    const me = signedIn(c)
    return listArticles(db, { followedBy: me }, c.valid(feed).query, me)
  })

  api.post('/articles', describe({ operationId: 'CreateArticle', summary: 'Create an article', tags, responses: { 201: ArticleAnswer } }), requireUser, create, async (c) => {
    const me = signedIn(c)
    const slug = await db.transaction((tx) => createArticle(tx, me, c.valid(create).body.article))
    return c.json({ article: await findArticle(db, slug, me) }, 201)
  })

  api.get('/articles/:slug', describe({ operationId: 'GetArticle', summary: 'Get an article', tags, responses: { 200: ArticleAnswer } }), async (c) => ({ article: await existing(db, c.params.slug, viewerOf(c)) }))

  api.put('/articles/:slug', describe({ operationId: 'UpdateArticle', summary: 'Update an article', tags, responses: { 200: ArticleAnswer } }), requireUser, update, async (c) => {
    const ref = await own(db, c)
    const slug = await updateArticle(db, ref.id, c.valid(update).body.article)
    return { article: await findArticle(db, slug, ref.authorId) }
  })

  api.delete('/articles/:slug', describe({ operationId: 'DeleteArticle', summary: 'Delete an article', tags, responses: { 204: NoContent } }), requireUser, async (c) => {
    await deleteArticle(db, (await own(db, c)).id)
    return c.body(null, 204)
  })

  const favorite = (on: boolean) => async (c: Context<{ slug: string }>) => {
    const me = signedIn(c)
    const ref = await articleRef(db, c.params.slug)
    if (ref === undefined) throw notFound('article', c.params.slug)
    await setFavorite(db, me, ref.id, on)
    return { article: await existing(db, c.params.slug, me) }
  }
  api.post('/articles/:slug/favorite', describe({ operationId: 'CreateArticleFavorite', summary: 'Favorite an article', tags: favorites, responses: { 200: ArticleAnswer } }), requireUser, favorite(true))
  api.delete('/articles/:slug/favorite', describe({ operationId: 'DeleteArticleFavorite', summary: 'Unfavorite an article', tags: favorites, responses: { 200: ArticleAnswer } }), requireUser, favorite(false))
}

/** The article at `slug`, or 404. */
async function existing(db: Database, slug: string, viewer: number | null): Promise<Article> {
  const article = await findArticle(db, slug, viewer)
  if (article === undefined) throw notFound('article', slug)
  return article
}

/** The signed-in user's article at `:slug`: 404 when there is none, 403 when it is someone else's. */
async function own(db: Database, c: Context<{ slug: string }>): Promise<ArticleRef> {
  const ref = await articleRef(db, c.params.slug)
  if (ref === undefined) throw notFound('article', c.params.slug)
  if (ref.authorId !== signedIn(c)) throw forbidden('article')
  return ref
}
