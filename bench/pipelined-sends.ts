import type { Message, Producer } from 'kafkajs';

/**
 * Sends to one topic without waiting for each acknowledgement (acks -1): `send` starts a request,
 * `settle(n)` waits until at most n are in flight and then throws if any send failed so far. Shared by
 * the benches' load generators (latency, soak).
 */
export interface PipelinedSends {
  send(messages: Message[]): void;
  settle(limit: number): Promise<void>;
  /** Messages the broker has acknowledged so far. */
  acknowledged(): number;
}

export function pipelinedSends(producer: Producer, topic: string, label: string): PipelinedSends {
  const inFlight = new Set<Promise<unknown>>();
  const failures: unknown[] = [];
  let acked = 0;
  return {
    send(messages) {
      const p = producer.send({ topic, acks: -1, messages }).then(
        () => void (acked += messages.length),
        (err: unknown) => void failures.push(err),
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    },
    async settle(limit) {
      while (inFlight.size > limit) await Promise.race(inFlight);
      if (failures.length > 0) throw new Error(`${label}: ${failures.length} sends failed`, { cause: failures[0] });
    },
    acknowledged: () => acked,
  };
}
