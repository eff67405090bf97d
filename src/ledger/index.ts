export * from './accounts.ts';
export * from './history.ts';
export * from './sort-balances.ts';
export * from './transfers.ts';
export * from './verify.ts';
