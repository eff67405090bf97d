/** Deal numbers and passports of the generated data (bench/cob/generate.ts numbering: a client per 100 loans). */
export function benchDealNumber(i: number): string {
  return `BENCH${String(i).padStart(9, '0')}`;
}

/** The passport of client c (series 4510, number c), without spaces as the site API sends it. */
export function clientPassport(c: number): string {
  return `4510${String(c).padStart(6, '0')}`;
}

/** The passport of the client of deal i. */
export function benchPassport(i: number): string {
  return clientPassport(Math.floor((i + 99) / 100));
}
