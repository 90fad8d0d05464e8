/**
 * Everything the bench starts registers how to undo it here, so a failure or Ctrl-C stops every process
 * and deletes every topic it made, newest first, the same as the normal path does.
 */
export class Teardown {
  private readonly steps: Array<{ readonly what: string; readonly run: () => Promise<void> }> = [];

  private readonly log: (m: string) => void;
  /** Set on SIGINT or SIGTERM: start nothing new. */
  stopping = false;

  constructor(log: (m: string) => void) {
    this.log = log;
  }

  /** Registers `run`; the returned function runs it now (once) and unregisters it. */
  add(what: string, run: () => Promise<void>): () => Promise<void> {
    const step = { what, run };
    this.steps.push(step);
    return async () => {
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
      await run();
    };
  }

  /** Runs every step still registered, newest first; one failing does not skip the others. */
  async runAll(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.run();
      } catch (err) {
        this.log(`cleanup: ${step.what} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** On SIGINT or SIGTERM: clean up, then exit 130. */
  onSignals(): void {
    const handler = (signal: NodeJS.Signals) => {
      this.stopping = true;
      this.log(`${signal}: stopping everything the bench started`);
      void this.runAll().finally(() => process.exit(130));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  }
}
