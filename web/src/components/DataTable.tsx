import {
  Alert,
  Anchor,
  Button,
  Group,
  Loader,
  Pagination,
  Paper,
  Select,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { type ReactNode, useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, api, type Page } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { useI18n } from '../i18n.tsx';

export interface Column<T> {
  key: string;
  title: string;
  /** The server's sort key, when the column sorts. */
  sort?: string;
  align?: 'left' | 'right';
  render(row: T): ReactNode;
}

export interface Filter {
  name: string;
  label: string;
  type: 'text' | 'select' | 'date';
  options?: Array<{ value: string; label: string }>;
}

const PAGE_SIZES = ['10', '25', '50', '100'];
/** The server counts matches up to this many (src/staff/console/paging.ts, COUNT_CAP). */
const COUNT_CAP = 10_000;

/**
 * A table over one of the admin API's lists: paging, sorting and filtering happen on the server,
 * and their state lives in the URL, so every view of a list is a link. CSV export takes the
 * same filters.
 */
export function DataTable<T>(props: {
  endpoint: string;
  columns: Column<T>[];
  filters: Filter[];
  rowKey(row: T): string;
  defaultSort: string;
  caption: string;
  /** Changing it reloads the page of rows (after an action on a row). */
  refresh?: number;
}) {
  const { t, locale } = useI18n();
  const { can } = useAuth();
  const [params, setParams] = useSearchParams();
  const [page, setPage] = useState<Page<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [draft, setDraft] = useState<Record<string, string>>(() =>
    Object.fromEntries(props.filters.map((f) => [f.name, params.get(f.name) ?? ''])),
  );

  const limit = Number(params.get('limit') ?? 25);
  const offset = Number(params.get('offset') ?? 0);
  const sort = params.get('sort') ?? props.defaultSort;
  const apiParams = new URLSearchParams(params);
  if (!apiParams.has('sort')) apiParams.set('sort', props.defaultSort);
  for (const f of props.filters) {
    const v = apiParams.get(f.name);
    if (f.type === 'date' && v) apiParams.set(f.name, new Date(`${v}T00:00:00`).toISOString());
  }
  const key = apiParams.toString();

  // biome-ignore lint/correctness/useExhaustiveDependencies: `refresh` reloads the rows on purpose
  useEffect(() => {
    let live = true;
    setLoading(true);
    api
      .list<T>(props.endpoint, new URLSearchParams(key))
      .then((p) => {
        if (!live) return;
        setPage(p);
        setError(null);
      })
      .catch((e: unknown) => live && setError(e instanceof ApiError ? e.message : String(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [props.endpoint, key, props.refresh]);

  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, v);
    }
    setParams(next);
  };
  const applyFilters = () => update({ ...draft, offset: undefined });
  const toggleSort = (column: string) =>
    update({ sort: sort === column ? `-${column}` : column, offset: undefined });

  const pages = page ? Math.max(1, Math.ceil(page.total / limit)) : 1;
  return (
    <Paper withBorder p="md">
      <form
        aria-label={t('common.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          applyFilters();
        }}
      >
        <Group align="end" gap="sm" mb="md" wrap="wrap">
          {props.filters.map((f) =>
            f.type === 'select' ? (
              <Select
                key={f.name}
                label={f.label}
                data={[{ value: '', label: t('common.all') }, ...(f.options ?? [])]}
                value={draft[f.name] ?? ''}
                onChange={(v) => {
                  const next = { ...draft, [f.name]: v ?? '' };
                  setDraft(next);
                  update({ ...next, offset: undefined });
                }}
                allowDeselect={false}
                w={170}
              />
            ) : (
              <TextInput
                key={f.name}
                label={f.label}
                type={f.type === 'date' ? 'date' : 'search'}
                value={draft[f.name] ?? ''}
                onChange={(e) => setDraft({ ...draft, [f.name]: e.currentTarget.value })}
                w={f.type === 'date' ? 170 : 230}
              />
            ),
          )}
          <Button type="submit">{t('common.search')}</Button>
          <Button
            variant="default"
            onClick={() => {
              setDraft(Object.fromEntries(props.filters.map((f) => [f.name, ''])));
              setParams(new URLSearchParams());
            }}
          >
            {t('common.reset')}
          </Button>
          {can('export.csv') && (
            <Anchor href={api.csvUrl(props.endpoint, apiParams)} download ml="auto" data-testid="csv-export">
              {t('common.export')}
            </Anchor>
          )}
        </Group>
      </form>
      {error && (
        <Alert color="red" role="alert" mb="md">
          {error}
        </Alert>
      )}
      <Table.ScrollContainer minWidth={700}>
        <Table striped highlightOnHover verticalSpacing="xs" aria-busy={loading}>
          <Table.Caption c="gray.8">{props.caption}</Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {props.columns.map((c) => (
                <Table.Th
                  key={c.key}
                  ta={c.align ?? 'left'}
                  aria-sort={
                    c.sort && sort.replace(/^-/, '') === c.sort
                      ? sort.startsWith('-')
                        ? 'descending'
                        : 'ascending'
                      : undefined
                  }
                >
                  {c.sort ? (
                    <UnstyledButton onClick={() => toggleSort(c.sort!)} fw={700} fz="sm">
                      {c.title}
                      {sort === c.sort ? ' ▲' : sort === `-${c.sort}` ? ' ▼' : ''}
                    </UnstyledButton>
                  ) : (
                    c.title
                  )}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {page?.items.map((row) => (
              <Table.Tr key={props.rowKey(row)}>
                {props.columns.map((c) => (
                  <Table.Td key={c.key} ta={c.align ?? 'left'}>
                    {c.render(row)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {loading && !page && <Loader size="sm" aria-label={t('common.loading')} />}
      {page && page.items.length === 0 && <Text my="md">{t('common.empty')}</Text>}
      <Group justify="space-between" mt="md">
        <Text size="sm" data-testid="total">
          {page && page.total > COUNT_CAP
            ? t('common.totalMore', { n: COUNT_CAP.toLocaleString(locale === 'ru' ? 'ru-RU' : 'en-GB') })
            : t('common.total', { n: page?.total ?? 0 })}
        </Text>
        <Pagination
          total={pages}
          value={Math.floor(offset / limit) + 1}
          onChange={(p) => update({ offset: p === 1 ? undefined : String((p - 1) * limit) })}
          getControlProps={(control) => ({ 'aria-label': `${t('common.pagination')}: ${control}` })}
          getItemProps={(p) => ({ 'aria-label': `${p}` })}
        />
        <Select
          label={t('common.perPage')}
          data={PAGE_SIZES}
          value={String(limit)}
          onChange={(v) => update({ limit: v ?? undefined, offset: undefined })}
          allowDeselect={false}
          w={150}
        />
      </Group>
    </Paper>
  );
}
