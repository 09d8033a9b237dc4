/**
 * CPU time of a local generation, the basis of its cost (metrics/cost.ts).
 *
 * `process.cpuUsage()` is process-wide even when read in the worker thread: it sums every thread
 * (getrusage RUSAGE_SELF), so onnxruntime's own intra-op threads count, which is the point: they
 * do the work. The price of that is that anything else the process does meanwhile counts too —
 * the LSP main thread, and another generation running at the same time (the worker interleaves
 * a completion with an explanation step by step), so overlapping requests each include the
 * other's CPU time. Sequential requests, the usual case for completions, are measured exactly.
 */

/** Starts a clock; the returned function reads the user + system CPU time spent since, in ms. */
export function startCpuClock(): () => number {
  const start = process.cpuUsage();
  return () => {
    const spent = process.cpuUsage(start);
    return (spent.user + spent.system) / 1000;
  };
}
