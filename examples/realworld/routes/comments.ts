/** Comments: `GET|POST /articles/:slug/comments`, `DELETE /articles/:slug/comments/:id`. */
import { z } from 'zod'
import type { Context, Group } from '../../../src/index.js'
import { describe } from '../../../src/middleware/openapi/index.js'
import { validate } from '../../../src/middleware/validate/index.js'
import { requireUser, signedIn, viewerOf } from '../auth/middleware.js'
import { articleRef } from '../data/articles.js'
import { commentAuthor, createComment, deleteComment, listComments } from '../data/comments.js'
import type { Database } from '../db/index.js'
import type { Deps } from '../deps.js'
import { forbidden, notFound } from '../errors.js'
import { CommentAnswer, CommentsAnswer, NoContent } from '../openapi.js'
import { text, unprocessable } from '../schemas.js'

const create = validate({ body: z.object({ comment: z.object({ body: text(10_000) }) }) }, unprocessable)

const tags = ['Comments']

/** The routes of comments. */
export function commentRoutes(api: Group<'/api'>, { db }: Deps): void {
  api.get('/articles/:slug/comments', describe({ operationId: 'GetArticleComments', summary: 'Get comments for an article', tags, responses: { 200: CommentsAnswer } }), async (c) => {
    const article = await articleId(db, c)
    return { comments: await listComments(db, article, viewerOf(c)) }
  })

  // The spec answers a new comment with 200 (not 201).
  api.post('/articles/:slug/comments', describe({ operationId: 'CreateArticleComment', summary: 'Create a comment for an article', tags, responses: { 200: CommentAnswer } }), requireUser, create, async (c) => {
    const article = await articleId(db, c)
    return { comment: await createComment(db, article, signedIn(c), c.valid(create).body.comment.body) }
  })

  api.delete('/articles/:slug/comments/:id(\\d+)', describe({ operationId: 'DeleteArticleComment', summary: 'Delete a comment for an article', tags, responses: { 204: NoContent } }), requireUser, async (c) => {
    const article = await articleId(db, c)
    const id = Number(c.params.id)
    const author = await commentAuthor(db, article, id)
    if (author === undefined) throw notFound('comment', c.params.id)
    if (author !== signedIn(c)) throw forbidden('comment')
    await deleteComment(db, id)
    return c.body(null, 204)
  })
}

async function articleId(db: Database, c: Context<{ slug: string }>): Promise<number> {
  const ref = await articleRef(db, c.params.slug)
  if (ref === undefined) throw notFound('article', c.params.slug)
  return ref.id
}
