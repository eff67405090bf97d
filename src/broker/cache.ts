/**
 * A few seconds of memory for configuration every `create_form` reads (partner by token, point,
 * operators, routes): it saves several round trips per form at hundreds of forms a second. Only
 * configuration lives here, never state another process needs; a change (a revoked token, a new
 * route) takes effect within `ttlMs` everywhere.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}

export const CONFIG_TTL_MS = 5_000;
