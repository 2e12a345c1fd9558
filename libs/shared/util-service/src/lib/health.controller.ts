import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { READINESS_CHECKS, within, type ReadinessCheck } from './readiness';

@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** The process is up and its event loop turns: restart it only when this fails. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** 200 when every dependency answers, 503 otherwise (take it out of the load balancer). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.checks.map((check) => async () => {
        const session = this.indicators.check(check.name);
        try {
          return (await within(2000, check.isReady())) ? session.up() : session.down('not connected');
        } catch (err) {
          return session.down((err as Error).message);
        }
      }),
    );
  }
}
