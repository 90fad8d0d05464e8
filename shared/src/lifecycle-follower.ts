import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConsumerRunner } from './consumer-runner.ts';
import type { ServiceContext } from './service-host.ts';
import type { ModelLifecycleEvent } from './topic-records.ts';

/**
 * Follows models.lifecycle.v1 from now on, in a consumer group of this instance alone, so every
 * instance hears every promotion and rollback (a shared group would hand each event to one instance).
 * The current state comes from the model source at start; this only carries changes after it.
 * `groupId` defaults to `<groupPrefix>-lifecycle-<hostname>-<pid>-<random>`.
 */
export function followLifecycle(
  ctx: ServiceContext,
  o: { readonly groupPrefix: string; readonly groupId?: string; readonly handle: (event: ModelLifecycleEvent) => Promise<unknown> },
): ConsumerRunner {
  return ctx.runner<ModelLifecycleEvent>({
    groupId: o.groupId ?? `${o.groupPrefix}-lifecycle-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
    inputs: ['modelsLifecycle'],
    mode: 'at-least-once',
    fromBeginning: false,
    microBatchSize: 1,
    async handler(messages) {
      for (const m of messages) await o.handle(m.value);
      return { outputs: [] };
    },
  });
}
