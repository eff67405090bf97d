import { Paper, SimpleGrid, Table, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** A record's facts as a definition list in a grid (cards of deals, clients, agents, forms). */
export function Facts({ facts }: { facts: Array<[string, ReactNode]> }) {
  return (
    <Paper withBorder p="md" mb="lg">
      <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} component="dl" spacing="xs">
        {facts.map(([label, value]) => (
          <div key={label}>
            <Text component="dt" size="sm">
              {label}
            </Text>
            <Text component="dd" fw={600} m={0}>
              {value}
            </Text>
          </div>
        ))}
      </SimpleGrid>
    </Paper>
  );
}

/** A small read-only table with a caption (schedule, payments, history …). */
export function SimpleTable<T>(props: {
  caption: string;
  rows: T[];
  rowKey(row: T): string;
  columns: Array<{ title: string; align?: 'left' | 'right'; render(row: T): ReactNode }>;
  empty: string;
  testId?: string;
}) {
  return (
    <Paper withBorder p="md" mb="lg">
      <Table.ScrollContainer minWidth={600}>
        <Table striped data-testid={props.testId}>
          <Table.Caption c="gray.8">{props.caption}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {props.columns.map((c) => (
                <Table.Th key={c.title} ta={c.align ?? 'left'}>
                  {c.title}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {props.rows.map((r) => (
              <Table.Tr key={props.rowKey(r)}>
                {props.columns.map((c) => (
                  <Table.Td key={c.title} ta={c.align ?? 'left'}>
                    {c.render(r)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {props.rows.length === 0 && <Text>{props.empty}</Text>}
    </Paper>
  );
}
