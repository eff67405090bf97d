import type { DemoSeeder } from '../demo/seed.ts';
import type { Role } from './permissions.ts';
import { createUser, findUserByLogin } from './users.ts';

/** The demo's staff: one user per role, password `<login>-password` (README, demo credentials). */
export const DEMO_STAFF: ReadonlyArray<{ login: string; name: string; role: Role }> = [
  { login: 'admin', name: 'Анна Админова', role: 'admin' },
  { login: 'underwriter', name: 'Ульяна Андеррайтерова', role: 'underwriter' },
  { login: 'collector', name: 'Константин Взыскателев', role: 'collector' },
  { login: 'accountant', name: 'Бэлла Бухгалтерова', role: 'accountant' },
  { login: 'support', name: 'Сергей Поддержкин', role: 'support' },
];

export const staffSeeder: DemoSeeder = {
  name: 'staff: console users (admin, underwriter, collector, accountant, support)',
  async seed(tx) {
    for (const user of DEMO_STAFF) {
      if (await findUserByLogin(tx, user.login)) continue;
      await createUser(
        tx,
        { actor: { type: 'system', id: 'demo' } },
        { ...user, password: `${user.login}-password` },
      );
    }
  },
};
