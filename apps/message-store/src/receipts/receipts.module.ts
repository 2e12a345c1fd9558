import { Module } from '@nestjs/common';
import { ReceiptsHandler } from './receipts.handler';
import { ReceiptsService } from './receipts.service';

@Module({ controllers: [ReceiptsHandler], providers: [ReceiptsService] })
export class ReceiptsModule {}
