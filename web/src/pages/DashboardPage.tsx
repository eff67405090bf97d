import { Alert, Card, Group, Loader, Paper, Select, SimpleGrid, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { ApiError, api, type Dashboard } from '../api.ts';
import { useI18n } from '../i18n.tsx';

type Widget = Dashboard['widgets'][number];
type ChartWidget = Extract<Widget, { categories: string[] }>;

const COLORS = ['#1864ab', '#c92a2a', '#2b8a3e', '#e67700', '#5f3dc4', '#0b7285'];

export function DashboardPage() {
  const { t, pick, money } = useI18n();
  const [days, setDays] = useState('30');
  const [data, setData] = useState<Dashboard | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .dashboard(Number(days))
      .then(setData)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [days]);
  const stats = data?.widgets.filter((w) => w.kind === 'stats') ?? [];
  const charts = (data?.widgets.filter((w) => w.kind !== 'stats') ?? []) as ChartWidget[];
  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>{t('dashboard.title')}</Title>
        <Select
          label={t('dashboard.period')}
          data={['7', '30', '90']}
          value={days}
          onChange={(v) => setDays(v ?? '30')}
          allowDeselect={false}
          w={140}
        />
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {!data && !error && <Loader aria-label={t('common.loading')} />}
      {data && data.widgets.length === 0 && <Text>{t('dashboard.empty')}</Text>}
      {stats.map(
        (w) =>
          w.kind === 'stats' && (
            <section key={w.id} aria-label={pick(w.title)} data-widget={w.id}>
              <Title order={3} size="h4" mb="xs">
                {pick(w.title)}
              </Title>
              <SimpleGrid cols={{ base: 1, sm: 3 }} mb="lg">
                {w.items.map((item) => (
                  <Card key={pick(item.label)} withBorder>
                    <Text size="sm">{pick(item.label)}</Text>
                    <Text size="xl" fw={700}>
                      {item.unit === 'count' ? item.value : money(item.value, item.unit)}
                    </Text>
                  </Card>
                ))}
              </SimpleGrid>
            </section>
          ),
      )}
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        {charts.map((w) => (
          <ChartCard key={w.id} widget={w} />
        ))}
      </SimpleGrid>
    </>
  );
}

function ChartCard({ widget }: { widget: ChartWidget }) {
  const { pick, money } = useI18n();
  const rows = widget.categories.map((category, i) => {
    const row: Record<string, string | number> = { category };
    widget.series.forEach((s, j) => {
      // Charts draw numbers; the exact values stay in the tooltip text.
      row[`s${j}`] = Number(s.values[i] ?? 0);
    });
    return row;
  });
  const format = (v: unknown) => (widget.unit === 'count' ? String(v) : money(String(v), widget.unit));
  const title = pick(widget.title);
  return (
    <Paper withBorder p="md" data-widget={widget.id}>
      <Title order={3} size="h5" mb="sm">
        {title}
      </Title>
      <div role="img" aria-label={title} style={{ width: '100%', height: 260 }}>
        <ResponsiveContainer>
          {widget.kind === 'line' ? (
            <LineChart data={rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="category" fontSize={11} />
              <YAxis fontSize={11} width={80} />
              <Tooltip formatter={(v) => format(v)} />
              <Legend />
              {widget.series.map((s, j) => (
                <Line
                  key={pick(s.name)}
                  dataKey={`s${j}`}
                  name={pick(s.name)}
                  stroke={COLORS[j % COLORS.length]}
                  dot={false}
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          ) : widget.kind === 'pie' ? (
            <PieChart>
              <Tooltip formatter={(v) => format(v)} />
              <Legend />
              <Pie
                data={rows.map((r, i) => ({
                  name: r.category,
                  value: r.s0,
                  fill: COLORS[i % COLORS.length],
                }))}
                dataKey="value"
                nameKey="name"
                isAnimationActive={false}
              />
            </PieChart>
          ) : (
            <BarChart data={rows}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="category" fontSize={11} />
              <YAxis fontSize={11} width={80} />
              <Tooltip formatter={(v) => format(v)} />
              <Legend />
              {widget.series.map((s, j) => (
                <Bar
                  key={pick(s.name)}
                  dataKey={`s${j}`}
                  name={pick(s.name)}
                  fill={COLORS[j % COLORS.length]}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          )}
        </ResponsiveContainer>
      </div>
    </Paper>
  );
}
