/** The demo's controller (notes, in memory) and its OpenAPI page: GET /openapi.json and /docs in debug mode. */
import { z } from 'zod'
import type { App, Context, ParamsOf } from '../../src/index.js'
import { Controller, Describe, Get, Post, Validate, registerController } from '../../src/middleware/controller/index.js'
import { openapi } from '../../src/middleware/openapi/index.js'

const Note = z.object({ id: z.number().int(), text: z.string() })
const NewNote = z.object({ text: z.string().min(1).max(280) })

/** Where notes live; the controller gets one passed in. */
export class NoteStore {
  readonly #notes: Array<z.infer<typeof Note>> = []
  add(text: string): z.infer<typeof Note> {
    const note = { id: this.#notes.length + 1, text }
    this.#notes.push(note)
    return note
  }
  get(id: number): z.infer<typeof Note> | undefined {
    return this.#notes[id - 1]
  }
  all(): ReadonlyArray<z.infer<typeof Note>> {
    return this.#notes
  }
}

@Controller('/notes')
@Describe({ tags: ['notes'] })
export class NotesController {
  constructor(private readonly store: NoteStore) {}

  @Get('/')
  @Describe({ summary: 'Every note', responses: { 200: z.array(Note) } })
  list() {
    return this.store.all()
  }

  @Get('/:id(\\d+)')
  @Describe({ summary: 'One note', responses: { 200: Note, 404: { description: 'No such note' } } })
  show(c: Context<ParamsOf<'/:id'>>) {
    return this.store.get(Number(c.params.id)) ?? c.throw(404, `No note ${c.params.id}`, { code: 'ERR_NOTE_NOT_FOUND' })
  }

  @Post('/')
  @Validate({ body: NewNote })
  @Describe({ summary: 'Add a note', responses: { 201: Note } })
  create(c: Context) {
    const { text } = c.valid('body') as z.infer<typeof NewNote>
    c.status(201)
    return this.store.add(text)
  }
}

/** Mounts the notes controller and the API docs (served in debug mode only: `/openapi.json`, `/docs`). */
export function mountControllers(app: App, store = new NoteStore()): void {
  registerController(app, new NotesController(store))
  openapi(app, { info: { title: 'weir demo', version: '1.0.0' } })
}
