// Your app's environment variables: declare each one here, once. The kit parses them with the
// rules it uses for its own, before any worker starts (a bad value stops the boot with one line
// naming it), and hands them to createApp typed, as ctx.config.vars. `npm run docs` writes them
// into docs/configuration.md and .env.example. The supervisor reads this file too: keep it to
// declarations, with type-only imports, so it loads nothing. For example:
//
//   NOTES_PAGE_SIZE: { type: 'integer', min: 1, max: 100, default: 20, description: 'Notes per page.' },
import type { VariableSpecs, VariableValues } from '../runtime/contract.ts';

export const variables = {} as const satisfies VariableSpecs;

export type AppVariables = VariableValues<typeof variables>;
