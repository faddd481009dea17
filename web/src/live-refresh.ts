/**
 * Pages stay current from the live stream: each stream event refreshes the react-query keys it
 * concerns. A busy stream (a bot trading, thousands of events a minute) must not become a storm
 * of refetches, so each key is refreshed at most once per `gapMs`: the first event soon, a burst
 * once more at its end.
 */
import { type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { type StreamEvent, useStreamEvents } from './stream.tsx';

/** Calls `concerns` with every stream event; the keys it returns are refreshed, throttled per key. */
export function useStreamRefresh(concerns: (event: StreamEvent) => readonly QueryKey[], gapMs = 500): void {
  const queryClient = useQueryClient();
  const timers = useRef(new Map<string, { timer?: ReturnType<typeof setTimeout>; last: number }>());
  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const entry of pending.values()) clearTimeout(entry.timer);
      pending.clear();
    };
  }, []);
  useStreamEvents((event) => {
    for (const key of concerns(event)) {
      const id = JSON.stringify(key);
      const entry = timers.current.get(id) ?? { last: 0 };
      timers.current.set(id, entry);
      if (entry.timer) continue;
      entry.timer = setTimeout(
        () => {
          entry.timer = undefined;
          entry.last = Date.now();
          void queryClient.invalidateQueries({ queryKey: key });
        },
        Math.max(0, entry.last + gapMs - Date.now()),
      );
    }
  });
}
