import { Test } from '@nestjs/testing';
import { getToken } from '@willsoto/nestjs-prometheus';
import { register, type Gauge } from 'prom-client';
import { makeScrapedGaugeProvider } from './metrics';

const SOURCE = 'SOURCE';
const NAME = 'parley_test_scraped_gauge';

async function app(value: number) {
  const moduleRef = await Test.createTestingModule({
    providers: [
      { provide: SOURCE, useValue: { value } },
      makeScrapedGaugeProvider<[{ value: number }]>({
        name: NAME,
        help: 'test',
        inject: [SOURCE],
        read: (gauge, source) => gauge.set(source.value),
      }),
    ],
  }).compile();
  return moduleRef.get<Gauge>(getToken(NAME));
}

describe('makeScrapedGaugeProvider', () => {
  afterAll(() => register.removeSingleMetric(NAME));

  it('registers one gauge however many apps a process creates, read through the newest app', async () => {
    const first = await app(1);
    expect((await first.get()).values[0]?.value).toBe(1);
    const second = await app(2);
    expect(second).toBe(first);
    expect(register.getMetricsAsArray().filter((m) => m.name === NAME)).toHaveLength(1);
    expect((await register.getSingleMetricAsString(NAME)).split('\n')).toContain(`${NAME} 2`);
  });
});
