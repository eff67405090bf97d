/** The lender's details printed on its contracts ("заимодавец"), per organisation of `lending.deal_number_series`. */
export interface Lender {
  name: string;
  requisites: string;
  address: string;
}

/**
 * One organisation ('main') is configured today; its details are the demo lender's. A second
 * organisation gets its own entry here (or a table, when staff need to edit them).
 */
const LENDERS: Record<string, Lender> = {
  main: {
    name: 'ООО МФК «Копейка»',
    requisites:
      'ОГРН 1000000000000, ИНН 7700000000, регистрационный номер записи в государственном реестре микрофинансовых организаций 0000000000000',
    address: '101000, г. Москва, ул. Примерная, д. 1',
  },
};

export function lenderOf(org: string): Lender {
  return LENDERS[org] ?? LENDERS.main!;
}
