/** `GET /tags`: the tags in use. */
import type { Group } from '../../../src/index.js'
import { describe } from '../../../src/middleware/openapi/index.js'
import { listTags } from '../data/articles.js'
import type { Deps } from '../deps.js'
import { TagsAnswer } from '../openapi.js'

/** The route of tags. */
export function tagRoutes(api: Group<'/api'>, { db }: Deps): void {
  api.get('/tags', describe({ operationId: 'GetTags', summary: 'Get tags', tags: ['Tags'], responses: { 200: TagsAnswer } }), async () => ({ tags: await listTags(db) }))
}
