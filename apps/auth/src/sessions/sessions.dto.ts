import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';

export class LogoutBody {
  @ApiPropertyOptional({ description: 'true: revoke every session of the caller (log out everywhere)', default: false })
  @IsOptional()
  @IsBoolean()
  everywhere?: boolean;
}
