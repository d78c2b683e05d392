/** Profiles and following: `GET /profiles/:username`, `POST|DELETE /profiles/:username/follow`. */
import type { Context, Group } from '../../../src/index.js'
import { describe } from '../../../src/middleware/openapi/index.js'
import { requireUser, signedIn, viewerOf } from '../auth/middleware.js'
import { findProfile, setFollowing } from '../data/users.js'
import type { Deps } from '../deps.js'
import { fieldError, notFound } from '../errors.js'
import { ProfileAnswer } from '../openapi.js'

const tags = ['Profile']

/** The routes of profiles. */
export function profileRoutes(api: Group<'/api'>, { db }: Deps): void {
  api.get('/profiles/:username', describe({ operationId: 'GetProfileByUsername', summary: 'Get a profile', tags, responses: { 200: ProfileAnswer } }), async (c) => {
    const found = await findProfile(db, c.params.username, viewerOf(c))
    if (found === undefined) throw notFound('profile', c.params.username)
    return { profile: found.profile }
  })

  const follow = (following: boolean) => async (c: Context<{ username: string }>) => {
    const me = signedIn(c)
    const target = await findProfile(db, c.params.username, me)
    if (target === undefined) throw notFound('profile', c.params.username)
    if (target.id === me) throw fieldError(422, 'ERR_FOLLOW_SELF', 'username', 'is you: you cannot follow yourself')
    await setFollowing(db, me, target.id, following)
    return { profile: { ...target.profile, following } }
  }
  api.post('/profiles/:username/follow', describe({ operationId: 'FollowUserByUsername', summary: 'Follow a user', tags, responses: { 200: ProfileAnswer } }), requireUser, follow(true))
  api.delete('/profiles/:username/follow', describe({ operationId: 'UnfollowUserByUsername', summary: 'Unfollow a user', tags, responses: { 200: ProfileAnswer } }), requireUser, follow(false))
}
