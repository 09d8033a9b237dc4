/**
 * Reads Prometheus exposition text with a third-party parser (parse-prometheus-text-format, a
 * port of the Prometheus Python client's), so tests check the text a scraper would read, not
 * what our own code thinks it wrote. That parser merges the series of a labelled histogram into
 * one, so histogram samples are read from a second parse with the histogram TYPE lines removed:
 * each `_bucket`, `_sum` and `_count` line then parses as a plain labelled sample.
 */
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

export interface Exposition {
  families: Map<string, ParsedFamily>;
  /** The value of the sample `name` whose labels include `labels` (summed over the others). */
  value(name: string, labels?: Record<string, string>): number;
  /** Every series of `name`, with its labels and value. */
  series(name: string): Array<{ labels: Record<string, string>; value: number }>;
}

export function parseExposition(text: string): Exposition {
  const families = new Map(parsePrometheusTextFormat(text).map((family) => [family.name, family]));
  const flat = parsePrometheusTextFormat(text.replace(/^# TYPE \S+ histogram$/gm, ''));
  const samples = new Map<string, Array<{ labels: Record<string, string>; value: number }>>();
  // A histogram's series follow one another (buckets, sum, count, then the next series), so one
  // name comes back as several families: their samples add up.
  for (const family of flat) {
    const list = samples.get(family.name) ?? [];
    for (const sample of family.metrics) list.push({ labels: sample.labels ?? {}, value: Number(sample.value) });
    samples.set(family.name, list);
  }
  const series = (name: string) => samples.get(name) ?? [];
  return {
    families,
    series,
    value(name, labels = {}) {
      const matching = series(name).filter((sample) => Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted));
      return matching.reduce((sum, sample) => sum + sample.value, 0);
    },
  };
}
