/** The zod pieces the routes' validators share; messages read after the field name (`email is invalid`). */
import { z } from 'zod'
import type { ValidateOptions } from '../../src/middleware/validate/index.js'

/** A required string, trimmed, `min`–`max` characters. */
export function text(max: number, min = 1) {
  return z
    .string({ error: (issue) => (issue.input === undefined || issue.input === null ? "can't be blank" : 'must be a string') })
    .trim()
    .min(min, min === 1 ? "can't be blank" : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
}

/** Letters, digits, `_`, `.` and `-`: a username is a path segment (`/profiles/:username`). */
export const username = text(40).regex(/^[\w.-]+$/, 'may contain only letters, digits, _ . and -')

/** An e-mail address, compared in lower case. */
export const email = text(254).toLowerCase().pipe(z.email({ error: 'is invalid' }))

/** 8 to 256 characters (not trimmed: spaces are part of a password). */
export const password = z
  .string({ error: "can't be blank" })
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters')

/** A query number: digits only, from `min` to `max`, `fallback` when absent. Anything else is a 422. */
export function count(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^\d{1,16}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback)
}

/** `limit` (1–100, default 20) and `offset` (0 or more, default 0) of the article lists. */
export const page = {
  limit: count(1, 100, 20),
  offset: count(0, Number.MAX_SAFE_INTEGER, 0),
}

/** The spec answers invalid input with 422 Unprocessable Content: the options every validator of the app takes. */
export const unprocessable = { status: 422 } as const satisfies ValidateOptions
