// Your app's environment variables: declare each one here, once. The kit parses them with the
// rules it uses for its own, before any worker starts (a bad value stops the boot with one line
// naming it), and hands them to createApp typed, as ctx.config.vars. `npm run docs` writes them
// into docs/configuration.md and .env.example. The supervisor reads this file too: keep it to
// declarations, with type-only imports, so it loads nothing.
import type { VariableSpecs, VariableValues } from '../runtime/contract.ts';

export const variables = {
  REDIS_URL: {
    type: 'url',
    protocols: ['redis', 'rediss'],
    description:
      'Redis or Valkey, as Heroku Key-Value Store sets it: the app opens an optional cache on it, and serves without it when it is unreachable.',
  },
} as const satisfies VariableSpecs;

export type AppVariables = VariableValues<typeof variables>;
