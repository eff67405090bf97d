// Preloaded into the soak's `kopek serve` only (node --expose-gc --import bench/soak/gc-probe.mjs,
// with an IPC channel): on the bench's 'gc' message, a full collection, then the memory that
// survived it. The heap after a full GC is what a leak grows; the used heap between collections
// and the RSS (glibc keeps freed pages) wander with the load. Plain JS: it loads before tsx.
process.on('message', (message) => {
  if (message !== 'gc' || typeof globalThis.gc !== 'function') return;
  globalThis.gc();
  const m = process.memoryUsage();
  process.send?.({ heapUsed: m.heapUsed, rss: m.rss, external: m.external });
});
// The channel must not keep the server alive after SIGTERM has closed everything else.
process.channel?.unref();
