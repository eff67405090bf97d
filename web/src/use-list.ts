import { useEffect, useState } from 'react';
import { ApiError } from './api.ts';

/**
 * Loads a read-only list once, for the screens that only show one: the items (null while
 * loading) and the error message, if the request failed.
 */
export function useList<T>(load: () => Promise<{ items: T[] }>): { items: T[] | null; error: string | null } {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded once, as the screens did before.
  useEffect(() => {
    load()
      .then((list) => setItems(list.items))
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, []);
  return { items, error };
}
