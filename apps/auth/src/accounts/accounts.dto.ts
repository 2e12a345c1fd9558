import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CodePointLength } from '@parley/contracts';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class RegisterBody {
  @ApiProperty({ example: 'alice', description: '3-32 of [a-z0-9_.]' })
  @IsString()
  @Matches(/^[a-z0-9_.]{3,32}$/, { message: 'username must be 3-32 characters of a-z, 0-9, _ and .' })
  username: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @CodePointLength(8, 128, { message: 'password must be 8-128 characters' })
  password: string;

  @ApiPropertyOptional({ example: 'Alice', description: '1-64 characters; defaults to the username' })
  @IsOptional()
  @IsString()
  @CodePointLength(1, 64, { message: 'displayName must be 1-64 characters' })
  displayName?: string;
}

export class LoginBody {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 128)
  username: string;

  @ApiProperty()
  @IsString()
  @Length(1, 512)
  password: string;
}

export class UserView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() username: string;
  @ApiProperty() displayName: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class SessionView {
  @ApiProperty({ type: UserView }) user: UserView;
  @ApiProperty({ description: 'ES256 JWT; send as Authorization: Bearer <accessToken>' }) accessToken: string;
}
