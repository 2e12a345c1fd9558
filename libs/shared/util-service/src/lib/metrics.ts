import type { InjectionToken, Provider } from '@nestjs/common';
import { getToken } from '@willsoto/nestjs-prometheus';
import { Gauge, register } from 'prom-client';

/**
 * Metrics are @willsoto/nestjs-prometheus providers (makeCounterProvider, makeHistogramProvider,
 * makeGaugeProvider) listed in an app's `*.metrics.ts` and injected with @InjectMetric: a second
 * app in one process (tests) gets the metric the first one registered, never a second copy.
 *
 * A gauge read when /metrics is scraped needs this instead: makeGaugeProvider's `collect` stays
 * bound to the first app's dependencies, which a test may have closed. Here the one registered
 * gauge reads through the dependencies of the app created last.
 */
export function makeScrapedGaugeProvider<Deps extends unknown[]>(options: {
  name: string;
  help: string;
  labelNames?: string[];
  inject: InjectionToken[];
  /** Sets the gauge's value(s); a failed read should leave the last ones. */
  read: (gauge: Gauge, ...deps: Deps) => Promise<void> | void;
}): Provider {
  const { name, help, labelNames, inject, read } = options;
  return {
    provide: getToken(name),
    inject,
    useFactory: (...deps: Deps) => {
      latestSources.set(name, deps);
      return (
        (register.getSingleMetric(name) as Gauge | undefined) ??
        new Gauge({
          name,
          help,
          labelNames: labelNames ?? [],
          async collect() {
            const sources = latestSources.get(name) as Deps | undefined;
            if (sources) await read(this, ...sources);
          },
        })
      );
    },
  };
}

const latestSources = new Map<string, unknown[]>();
