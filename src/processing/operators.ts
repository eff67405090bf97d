import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ProcessingRefusal, RESULT } from './finality.ts';

interface NumberingPlan {
  operators: { name: string; serviceId: string; prefixes: string[] }[];
}

export const NUMBERING_PLAN_FILE = path.resolve(
  import.meta.dirname,
  '../../data/processing/kz-numbering.json',
);

let byPrefix: Map<string, { name: string; serviceId: string }> | undefined;

function plan(): Map<string, { name: string; serviceId: string }> {
  if (!byPrefix) {
    const data = JSON.parse(readFileSync(NUMBERING_PLAN_FILE, 'utf8')) as NumberingPlan;
    byPrefix = new Map();
    for (const op of data.operators)
      for (const prefix of op.prefixes) byPrefix.set(prefix, { name: op.name, serviceId: op.serviceId });
  }
  return byPrefix;
}

/**
 * The mobile operator of a Kazakh number, by its prefix in the numbering plan. Accepts the
 * document's 10 digits (7777731414) and the usual longer forms (+7 777 773 14 14, 87777731414).
 */
export function operatorByPhone(phone: string): { serviceId: string; name: string } {
  const digits = phone.replace(/[\s()+-]/g, '');
  if (!/^\d+$/.test(digits)) throw new ProcessingRefusal(RESULT.badAccountFormat);
  let national: string;
  if (digits.length === 10) national = digits;
  else if (digits.length === 11 && (digits.startsWith('7') || digits.startsWith('8')))
    national = digits.slice(1);
  else throw new ProcessingRefusal(RESULT.badAccountFormat);
  const operator = plan().get(national.slice(0, 3));
  if (!operator) throw new ProcessingRefusal(RESULT.accountNotFound, 'Оператор не определен');
  return operator;
}
