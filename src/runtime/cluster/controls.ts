// What a page asks of the supervisor through the worker serving it: kill a worker or reload
// (the page's buttons, refused unless `enabled`, which is off in production whatever routes
// the app mounts), and messages passed on to other workers (the leak and burn buttons), each
// with the note it carries put on the timeline.
import type { Logger } from '../log/log.ts';
import type { ControlAction } from './events.ts';
import { about, ids, type Member, type Send } from './member.ts';
import type { WorkerMessage } from './messages.ts';
import type { Say } from './say.ts';

export interface ControlOptions {
  readonly enabled: boolean;
  readonly members: ReadonlyMap<number, Member>;
  readonly send: Send;
  readonly say: Say;
  readonly log: Logger;
  readonly reload: (reason: string) => void;
}

export interface Controls {
  control(action: ControlAction): void;
  tell(message: Extract<WorkerMessage, { type: 'tell' }>): void;
}

export function createControls(options: ControlOptions): Controls {
  const { members, log } = options;
  return {
    control(control) {
      if (!options.enabled) {
        log.warn('control refused: the supervisor takes no orders from workers here', { action: control.action });
        return;
      }
      if (control.action === 'reload') {
        options.reload('asked from the page');
        return;
      }
      const target = members.get(control.worker);
      if (!target) {
        log.warn('kill ignored: no such worker', { worker: control.worker });
        return;
      }
      options.say(
        'warn',
        'killing a worker, as asked from the page',
        ids(target),
        'kill-requested',
        `SIGKILL to worker ${target.worker.id}, asked from the page: it dies at once, with no drain, as a crash would`,
        about(target),
      );
      target.killRequested = true;
      target.worker.process.kill('SIGKILL');
    },
    tell(message) {
      if (message.note) {
        const to = message.to === 'all' ? undefined : members.get(message.to);
        options.say(
          'info',
          'message passed on, as asked from the page',
          { topic: message.topic, to: message.to },
          'told',
          message.note,
          to ? about(to) : undefined,
        );
      }
      for (const m of members.values()) {
        if (message.to === 'all' || m.worker.id === message.to)
          options.send(m, { type: 'told', topic: message.topic, data: message.data });
      }
    },
  };
}
