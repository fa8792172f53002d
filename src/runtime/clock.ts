// Milliseconds on a monotonic clock since the process started, as performance.now() counts
// them. Not performance.now() itself: the global's first read loads perf_hooks and its
// histograms, 0.2 MB that a primary has no other use for (measured on Node 24). libuv's
// uv_hrtime() is behind both (https://nodejs.org/api/process.html#processuptime).
export const now = (): number => process.uptime() * 1000;
