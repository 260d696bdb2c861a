// Spaces out sequential calls (paging through a listing) to at most `rate` per second. Each page depends on the
// previous one's token, so these calls are never concurrent and need a gate rather than pace().
export type Gate = () => Promise<void>;

export function rateGate(rate: number): Gate {
  const interval = 1000 / rate;
  let next = 0;
  return async () => {
    const now = Date.now();
    const wait = next - now;
    next = Math.max(now, next) + interval;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };
}
