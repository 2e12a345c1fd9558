import { ApiPropertyOptional } from '@nestjs/swagger';
import { EventStreamLimits } from '@parley/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class EventsQuery {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'events with eventSeq above this' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'since must be an integer' })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  since?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: EventStreamLimits.maxLimit,
    default: EventStreamLimits.defaultLimit,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(EventStreamLimits.maxLimit)
  limit?: number;
}
