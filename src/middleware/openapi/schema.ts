/** Standard Schema → JSON Schema: the Standard JSON Schema interface, else a library adapter (zod 4). */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { requireOptional } from '../../utils/optional.js'
import type { JsonSchema } from './describe.js'

/** The Standard JSON Schema interface (`~standard.jsonSchema`), as recent zod 4 and arktype 2 releases expose it (zod 4.6 and arktype 2.2 are tested). */
interface StandardJsonSchema {
  input(options: { target: string }): JsonSchema
  output(options: { target: string }): JsonSchema
}

type ZodModule = { toJSONSchema?: (schema: unknown, options: { io: 'input' | 'output'; unrepresentable: 'any' }) => JsonSchema }

/** `true` for a Standard Schema validator (zod, valibot, arktype, …). */
export function isStandard(s: unknown): s is StandardSchemaV1 {
  return typeof s === 'object' && s !== null && typeof (s as StandardSchemaV1)['~standard']?.validate === 'function'
}

/**
 * The JSON Schema of a validator: what clients send (`input`) or what the server answers (`output`).
 * A library with no JSON Schema export (valibot without an adapter) gives a schema allowing anything,
 * which says so in its description.
 */
export function toJsonSchema(schema: StandardSchemaV1, io: 'input' | 'output'): JsonSchema {
  const std = schema['~standard'] as StandardSchemaV1.Props & { jsonSchema?: StandardJsonSchema }
  try {
    if (typeof std.jsonSchema?.[io] === 'function') return clean(std.jsonSchema[io]({ target: 'draft-2020-12' }))
    if (std.vendor === 'zod') {
      const z = requireOptional<ZodModule>('zod', 'openapi() for zod schemas')
      if (typeof z.toJSONSchema === 'function') return clean(z.toJSONSchema(schema, { io, unrepresentable: 'any' }))
    }
  } catch (err) {
    return { description: `Not converted to JSON Schema: ${(err as Error).message}` }
  }
  return { description: `Not converted to JSON Schema: ${std.vendor} schemas do not expose ~standard.jsonSchema` }
}

function clean(s: JsonSchema): JsonSchema {
  const { $schema: _drop, ...rest } = s
  return rest
}
