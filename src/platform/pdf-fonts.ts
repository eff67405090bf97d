import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * DejaVu Sans (Cyrillic) for every PDF Kopek prints. The font comes from the `dejavu-fonts-ttf`
 * package, so a fresh machine has it after `npm install`; pdfkit embeds the glyphs it uses.
 */
const require = createRequire(import.meta.url);
const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

export const DEJAVU_REGULAR = path.join(FONT_DIR, 'DejaVuSans.ttf');
export const DEJAVU_BOLD = path.join(FONT_DIR, 'DejaVuSans-Bold.ttf');
