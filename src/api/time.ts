// The two time formats of the Kubernetes API, one helper each, so that every time the operator writes is spelled the
// way the API server stores it: a rewrite of the same instant is then no change, and a resync writes nothing.

/** metav1.Time: RFC 3339 to the second, UTC (`2026-01-02T03:04:05Z`); status times and annotations. */
export function kubeTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

/** metav1.MicroTime: RFC 3339 with microseconds (`2026-01-02T03:04:05.678000Z`); events.k8s.io and Lease times. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
