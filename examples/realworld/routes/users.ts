/** Registration, login and the current user: `POST /users`, `POST /users/login`, `GET|PUT /user`. */
import { z } from 'zod'
import type { Group } from '../../../src/index.js'
import { describe } from '../../../src/middleware/openapi/index.js'
import { validate } from '../../../src/middleware/validate/index.js'
import { requireUser, signedIn } from '../auth/middleware.js'
import { hashPassword, verifyPassword } from '../auth/password.js'
import type { Tokens } from '../auth/token.js'
import { type UserRecord, createUser, findUser, updateUser } from '../data/users.js'
import type { Deps } from '../deps.js'
import { fieldError } from '../errors.js'
import { UserAnswer } from '../openapi.js'
import { email, password, text, unprocessable, username } from '../schemas.js'

const register = validate({ body: z.object({ user: z.object({ username, email, password }) }) }, unprocessable)

const login = validate({
  body: z.object({ user: z.object({ email: text(254).toLowerCase(), password: z.string({ error: "can't be blank" }).min(1, "can't be blank") }) }),
}, unprocessable)

// bio and image may be cleared with "" or null; an image is a URL.
const update = validate({
  body: z.object({
    user: z
      .object({
        username: username.optional(),
        email: email.optional(),
        password: password.optional(),
        bio: z.string().max(2000, 'must be at most 2000 characters').nullable().transform(cleared).optional(),
        image: z.union([z.literal(''), z.url({ error: 'must be a URL' }).max(2048)]).nullable().transform(cleared).optional(),
      })
      .refine((u) => Object.values(u).some((v) => v !== undefined), { error: 'give at least one field to change' }),
  }),
}, unprocessable)

const tags = ['User and Authentication']

/** The routes of users and authentication. */
export function userRoutes(api: Group<'/api'>, { db, tokens }: Deps): void {
  api.post('/users', describe({ operationId: 'CreateUser', summary: 'Register a new user', tags, responses: { 201: UserAnswer } }), register, async (c) => {
    const input = c.valid(register).body.user
    const user = await createUser(db, { ...input, password: await hashPassword(input.password) })
    return c.json({ user: present(user, tokens) }, 201)
  })

  api.post('/users/login', describe({ operationId: 'Login', summary: 'Existing user login', tags, responses: { 200: UserAnswer } }), login, async (c) => {
    const input = c.valid(login).body.user
    const user = await findUser(db, { email: input.email })
    if (!(await verifyPassword(input.password, user?.password)) || user === undefined) {
      throw fieldError(401, 'ERR_LOGIN_FAILED', 'email or password', 'is invalid')
    }
    return { user: present(user, tokens) }
  })

  api.get('/user', describe({ operationId: 'GetCurrentUser', summary: 'Get current user', tags, responses: { 200: UserAnswer } }), requireUser, async (c) => {
    const user = await findUser(db, { id: signedIn(c) })
    return { user: present(user as UserRecord, tokens) }
  })

  api.put('/user', describe({ operationId: 'UpdateCurrentUser', summary: 'Update current user', tags, responses: { 200: UserAnswer } }), requireUser, update, async (c) => {
    const { password: plain, ...changes } = c.valid(update).body.user
    const user = await updateUser(db, signedIn(c), { ...changes, password: plain === undefined ? undefined : await hashPassword(plain) })
    return { user: present(user, tokens) }
  })
}

/** `null` clears a field: stored as "". */
function cleared(value: string | null): string {
  return value ?? ''
}

/** The user as the spec's `User`: a fresh token, no password hash. */
function present(user: UserRecord, tokens: Tokens) {
  return { email: user.email, token: tokens.sign(user.id), username: user.username, bio: user.bio, image: user.image }
}
