/**
 * `npm run bench -- <name> [args]` runs `bench/<name>/run.ts`; with no name, lists the benches.
 * A bench is a directory with a `run.ts` exporting `main(args: string[]): Promise<void>`.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface BenchModule {
  main(args: string[]): Promise<void>;
}

const benchDir = import.meta.dirname;

function availableBenches(): string[] {
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(benchDir, entry.name, 'run.ts')))
    .map((entry) => entry.name)
    .sort();
}

function isBenchModule(value: unknown): value is BenchModule {
  return (
    typeof value === 'object' && value !== null && typeof (value as { main?: unknown }).main === 'function'
  );
}

async function dispatch(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const benches = availableBenches();
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(
      `usage: npm run bench -- <name> [args]\n\navailable benches:\n${benches.map((b) => `  ${b}`).join('\n')}`,
    );
    console.log('\nsee bench/README.md');
    return 0;
  }
  if (!benches.includes(name)) {
    console.error(`unknown bench "${name}"; available: ${benches.join(', ')}`);
    return 2;
  }
  const module: unknown = await import(pathToFileURL(path.join(benchDir, name, 'run.ts')).href);
  if (!isBenchModule(module)) {
    console.error(`bench/${name}/run.ts does not export main(args)`);
    return 2;
  }
  await module.main(args);
  return 0;
}

try {
  process.exitCode = await dispatch(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
}
