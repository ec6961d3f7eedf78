import { z } from 'zod'

// Schema pieces every venue's wire.ts shares.

/** A decimal string as venues send prices, sizes and rates: `"64000.10"`, `"-0.0001"`, `"1e-5"`. */
export const decimal = z
  .string()
  .regex(/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/, 'expected a decimal string')

/** Milliseconds since the epoch as a number. */
export const millis = z.number().int().nonnegative()

/** Milliseconds since the epoch sent as a string (`"1680681600000"`), as a number. */
export const millisText = z
  .string()
  .regex(/^\d+$/, 'expected a millisecond timestamp string')
  .transform(Number)

/** A zod failure as one short line: `px: expected a decimal string`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'schema mismatch'
  const path = issue.path.join('.')
  return path ? `${path}: ${issue.message}` : issue.message
}
