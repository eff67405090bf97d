/**
 * Merged into `../dates.ts` (one module for dates). Kept only as a re-export for code written
 * against the old path at the same time; import from `../dates.ts`.
 */
export { addDays, ageOn, daysBetween, isBusinessDate, todayMoscow } from '../dates.ts';
