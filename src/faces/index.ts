import type { Face } from '../platform/http/face.ts';
import { consoleFace } from './admin/console.ts';
import { adminFace } from './admin/face.ts';
import { denimhubFace } from './denimhub/face.ts';
import { moneywallDemoFace } from './moneywall/demo-face.ts';
import { moneywallFace } from './moneywall/face.ts';
import { moneywallFrameFace } from './moneywall/frame-face.ts';
import { mymfoFace } from './mymfo/face.ts';
import { platformFace } from './platform/face.ts';
import { processingFace } from './processing/face.ts';
import { walletFace } from './wallet/face.ts';

/** Every face Kopek serves, in mounting order. */
export const FACES: Face[] = [
  platformFace,
  processingFace,
  adminFace,
  consoleFace(),
  denimhubFace,
  mymfoFace,
  walletFace,
  moneywallFace,
  moneywallFrameFace,
  moneywallDemoFace,
];
