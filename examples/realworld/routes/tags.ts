/** `GET /tags`: the tags in use. */
import type { Group } from '../../../src/index.js'
import { listTags } from '../data/articles.js'
import type { Deps } from '../deps.js'

/** The route of tags. */
export function tagRoutes(api: Group<'/api'>, { db }: Deps): void {
  api.get('/tags', async () => ({ tags: await listTags(db) }))
}
