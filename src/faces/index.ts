import type { Face } from '../platform/http/face.ts';
import { consoleFace } from './admin/console.ts';
import { adminFace } from './admin/face.ts';
import { denimhubFace } from './denimhub/face.ts';
import { platformFace } from './platform/face.ts';
import { processingFace } from './processing/face.ts';

/** Every face Kopek serves, in mounting order. */
export const FACES: Face[] = [platformFace, processingFace, adminFace, consoleFace(), denimhubFace];
