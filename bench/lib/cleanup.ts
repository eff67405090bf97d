/** Undo steps of a bench run (servers, scratch databases, temp dirs), also on Ctrl-C. */

/** Undo steps run once, last added first; a failing step does not stop the others. */
export class Cleanup {
  private readonly steps: (() => unknown)[] = [];
  private running: Promise<void> | undefined;

  /** Same name as an array's, so `child()` and older callers take either. */
  push(step: () => unknown): void {
    this.steps.push(step);
  }

  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/**
 * Runs `body` with a fresh Cleanup and runs it afterwards, on error too; SIGINT/SIGTERM run it
 * before exiting, so Ctrl-C leaves no PostgreSQL server, data dir or child process behind.
 */
export async function withCleanup<T>(body: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup();
  const onSignal = (): void => {
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await body(cleanup);
  } finally {
    await cleanup.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
