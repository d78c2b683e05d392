/** Profiles and following: `GET /profiles/:username`, `POST|DELETE /profiles/:username/follow`. */
import type { Context, Group } from '../../../src/index.js'
import { requireUser, signedIn, viewerOf } from '../auth/middleware.js'
import { findProfile, setFollowing } from '../data/users.js'
import type { Deps } from '../deps.js'
import { fieldError, notFound } from '../errors.js'

/** The routes of profiles. */
export function profileRoutes(api: Group<'/api'>, { db }: Deps): void {
  api.get('/profiles/:username', async (c) => {
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
  api.post('/profiles/:username/follow', requireUser, follow(true))
  api.delete('/profiles/:username/follow', requireUser, follow(false))
}
