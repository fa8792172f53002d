// `defineJob` for this app: a handler's `resources` are what src/app/resources.ts registers.
import { defineJobFor } from '../../runtime/contract.ts';
import type { AppResources } from '../resources.ts';

export const defineJob = defineJobFor<AppResources>();
