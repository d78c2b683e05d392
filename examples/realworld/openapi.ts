/**
 * The app's OpenAPI document: the answers' schemas for `describe()`, the errors every route may answer, and
 * `/api/openapi.json` with its Swagger UI page `/api/docs` in debug mode. The document matches the official
 * spec (`spec/openapi.yml`); `openapi.test.ts` compares them operation by operation.
 */
import { z } from 'zod'
import type { App } from '../../src/index.js'
import { describe, openapi } from '../../src/middleware/openapi/index.js'
import type { Article as ArticleData } from './data/articles.js'
import type { Comment as CommentData } from './data/comments.js'
import type { Profile as ProfileData } from './data/users.js'

const date = z.string().meta({ format: 'date-time' })

const Profile: z.ZodType<ProfileData> = z.object({ username: z.string(), bio: z.string(), image: z.string(), following: z.boolean() })

const article = {
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  tagList: z.array(z.string()),
  createdAt: date,
  updatedAt: date,
  favorited: z.boolean(),
  favoritesCount: z.number().int(),
  author: Profile,
}

const Article: z.ZodType<ArticleData> = z.object({ ...article, body: z.string() })

const Comment: z.ZodType<CommentData> = z.object({ id: z.number().int(), createdAt: date, updatedAt: date, body: z.string(), author: Profile })

/** What the routes answer, by the spec's response names (`UserResponse` → `UserAnswer`). */
export const UserAnswer = z.object({ user: z.object({ email: z.string(), token: z.string(), username: z.string(), bio: z.string(), image: z.string() }) })
export const ProfileAnswer = z.object({ profile: Profile })
export const ArticleAnswer = z.object({ article: Article })
/** List items leave out `body`, as the spec's list schema does. */
export const ArticlesAnswer = z.object({ articles: z.array(z.object(article)), articlesCount: z.number().int() })
export const CommentAnswer = z.object({ comment: Comment })
export const CommentsAnswer = z.object({ comments: z.array(Comment) })
export const TagsAnswer = z.object({ tags: z.array(z.string()) })

/** `204 No Content`, for deletions. */
export const NoContent = { description: 'No content' }

const schema = z.object({ errors: z.record(z.string(), z.array(z.string())), code: z.string() })
const error = (description: string) => ({ description, schema })

/**
 * The errors any route of the API may answer, in the spec's shape (see errors.ts), for the `/api` group. They
 * replace weir's defaults, which describe weir's own error format: this app never answers in it.
 *
 * @example
 * const api = app.group('/api', apiErrors, identify(tokens, db))
 */
export const apiErrors = describe({
  responses: {
    400: error('The body is not JSON (`ERR_BODY_*`)'),
    401: error('No token where one is required, or a malformed, forged or expired one (`ERR_AUTH_REQUIRED`, `ERR_TOKEN_*`)'),
    422: error('A missing or invalid field (`ERR_VALIDATION`), or a username or e-mail already taken (`ERR_TAKEN`)'),
    default: error('Another error: 403 (`ERR_NOT_AUTHOR`), 404, 405 (with `Allow`), 413, 415 or 500'),
  },
})

/**
 * Serves the document at `/api/openapi.json` and Swagger UI at `/api/docs` in debug mode (needs the package
 * `swagger-ui-dist`); in other modes it serves nothing.
 *
 * @example
 * serveDocs(app)   // after the routes or before: the document is built on its first request
 */
export function serveDocs(app: App): void {
  const info = { title: 'RealWorld Conduit API', version: '1.1.0', description: 'The RealWorld API on weir, documented from its routes' }
  openapi(app, { info, path: '/api/openapi.json', ui: '/api/docs' })
}
