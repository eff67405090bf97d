import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

/** The text of a PDF as poppler's `pdftotext` reads it (so the file really opens), whitespace collapsed. */
export function pdfText(pdf: Buffer): string {
  const out = spawnSync('pdftotext', ['-enc', 'UTF-8', '-', '-'], { input: pdf });
  assert.equal(out.status, 0, `pdftotext failed: ${out.stderr?.toString()}`);
  return out.stdout.toString('utf8').replace(/\s+/g, ' ');
}
