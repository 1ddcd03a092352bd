import { Module } from '@nestjs/common';
import { AuditQueryController } from './audit-query.controller';
import { AuditQueryService } from './audit-query.service';
import { AuditStreamService } from './audit-stream.service';

@Module({ controllers: [AuditQueryController], providers: [AuditStreamService, AuditQueryService], exports: [AuditStreamService] })
export class AuditModule {}
