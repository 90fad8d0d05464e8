import type { Admin, Kafka } from 'kafkajs';

/**
 * Consumer lag of the pipeline's groups, polled from the broker (committed offsets vs end offsets), and
 * the recovery time of each fault: from the moment the fault was cleared until the summed lag is back at
 * or under `caughtUpLag`. Polling the broker rather than the services' /metrics keeps measuring while a
 * service is dead, which is exactly when lag grows. Polls that fail (a broker down) are skipped.
 *
 * End offsets include transaction markers, so an idle transactional group keeps a lag of about one per
 * partition and commit: `caughtUpLag` must sit above that floor.
 */
export interface LagGroup {
  /** The group id as the process uses it (namespace included). */
  readonly groupId: string;
  readonly topic: string;
}

export interface LagSample {
  readonly at: number;
  readonly total: number;
}

export interface FaultWindow {
  readonly name: string;
  readonly startedAt: number;
  clearedAt?: number;
  recoveredAt?: number;
}

export class LagMonitor {
  readonly samples: LagSample[] = [];
  readonly faults: FaultWindow[] = [];
  readonly #kafka: Kafka;
  readonly #groups: () => readonly LagGroup[];
  readonly #caughtUpLag: number;
  #admin: Admin | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(kafka: Kafka, groups: () => readonly LagGroup[], caughtUpLag: number) {
    this.#kafka = kafka;
    this.#groups = groups;
    this.#caughtUpLag = caughtUpLag;
  }

  start(everyMs = 500): void {
    this.#timer = setInterval(() => void this.poll(), everyMs);
  }

  /** A fault begins now; call the returned function when it is cleared (the process back, the broker up). */
  fault(name: string): () => void {
    const w: FaultWindow = { name, startedAt: Date.now() };
    this.faults.push(w);
    return () => {
      w.clearedAt = Date.now();
    };
  }

  get maxLag(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.total), 0);
  }

  /** The longest recovery of any fault, in seconds; NaN when a cleared fault never caught up. */
  get recoverySeconds(): number {
    let worst = 0;
    for (const f of this.faults) {
      if (f.clearedAt === undefined || f.recoveredAt === undefined) return Number.NaN;
      worst = Math.max(worst, (f.recoveredAt - f.clearedAt) / 1000);
    }
    return worst;
  }

  /** Waits until every cleared fault has recovered (or the timeout: then recoverySeconds is NaN). */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.faults.some((f) => f.recoveredAt === undefined)) await new Promise((r) => setTimeout(r, 250));
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    while (this.#polling) await new Promise((r) => setTimeout(r, 50));
    await this.#admin?.disconnect().catch(() => undefined);
  }

  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const began = Date.now();
      const total = await this.#lag();
      const at = Date.now();
      this.samples.push({ at, total });
      if (total > this.#caughtUpLag) return;
      // Caught up: every fault cleared before this poll began has recovered.
      for (const f of this.faults) if (f.clearedAt !== undefined && f.recoveredAt === undefined && f.clearedAt <= began) f.recoveredAt = at;
    } catch {
      // A broker down or a group mid-rebalance: this sample is skipped, the next one retries.
    } finally {
      this.#polling = false;
    }
  }

  async #lag(): Promise<number> {
    if (!this.#admin) {
      const admin = this.#kafka.admin();
      await admin.connect();
      this.#admin = admin;
    }
    const admin = this.#admin;
    let total = 0;
    const ends = new Map<string, Map<number, number>>();
    for (const g of this.#groups()) {
      let end = ends.get(g.topic);
      if (!end) {
        end = new Map((await admin.fetchTopicOffsets(g.topic)).map((o) => [o.partition, Number(o.high)]));
        ends.set(g.topic, end);
      }
      const committed = await admin.fetchOffsets({ groupId: g.groupId, topics: [g.topic] });
      for (const p of committed[0]?.partitions ?? []) {
        const high = end.get(p.partition) ?? 0;
        const at = Number(p.offset);
        // No commit yet on a partition: everything in it is lag (a group starts from the beginning).
        total += Math.max(0, high - (at < 0 ? 0 : at));
      }
    }
    return total;
  }
}
