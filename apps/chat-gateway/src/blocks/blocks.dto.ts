import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BlockListLimits } from '@parley/contracts';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class CreateBlockBody {
  @ApiProperty({ description: 'the user to block (not yourself)' })
  @IsUUID('all', { message: 'userId must be a user id (uuid)' })
  userId: string;
}

export class BlockListQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: BlockListLimits.maxLimit, default: BlockListLimits.defaultLimit })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(BlockListLimits.maxLimit)
  limit?: number;

  @ApiPropertyOptional({ description: 'the Next-Cursor header of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}
