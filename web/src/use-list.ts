import { type DependencyList, useCallback, useEffect, useState } from 'react';
import { ApiError } from './api.ts';

export interface Loaded<T> {
  /** null while loading (or after an error). */
  data: T | null;
  /** The request's error message, if it failed. */
  error: string | null;
  /** Loads again (after a change made on the screen). */
  reload(): void;
  /** Replaces the data with an answer the screen already has (a change's answer is the new card). */
  set(data: T): void;
}

/**
 * Loads one thing a screen shows (a card, a list) when the screen opens and again when `deps`
 * change: the data, the error message, and a reload. A late answer of an earlier load (the
 * screen moved to another id meanwhile) is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on.
  useEffect(() => {
    let live = true;
    setError(null);
    load()
      .then((value) => {
        if (live) setData(value);
      })
      .catch((e: unknown) => {
        if (live) setError(e instanceof ApiError ? e.message : String(e));
      });
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const set = useCallback((value: T) => setData(value), []);
  return { data, error, reload, set };
}

/**
 * Loads a read-only list once, for the screens that only show one: the items (null while
 * loading), the error message, if the request failed, and a reload.
 */
export function useList<T>(load: () => Promise<{ items: T[] }>): {
  items: T[] | null;
  error: string | null;
  reload(): void;
} {
  const { data, error, reload } = useLoad(load, []);
  return { items: data?.items ?? null, error, reload };
}
