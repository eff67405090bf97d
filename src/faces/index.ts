import type { Face } from '../platform/http/face.ts';
import { platformFace } from './platform/face.ts';

/** Every face Kopek serves, in mounting order. */
export const FACES: Face[] = [platformFace];
