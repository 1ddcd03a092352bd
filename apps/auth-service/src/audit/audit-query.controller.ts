import { AuditQueryRequest, PERMISSIONS, SUBJECTS, type AuditQueryReply } from '@auth-bus/contracts';
import { BusPayloadPipe } from '@auth-bus/service-kit';
import { BusAuthGuard, RequirePermission } from '@auth-bus/token-verifier';
import { Controller, UseGuards } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AuditQueryService } from './audit-query.service';

/** `audit.query` — recent audit events with filters; the caller's token needs `read:audit`. */
@Controller()
export class AuditQueryController {
  constructor(private readonly audit: AuditQueryService) {}

  @MessagePattern(SUBJECTS.audit.query)
  @UseGuards(BusAuthGuard)
  @RequirePermission(PERMISSIONS.readAudit)
  query(@Payload(new BusPayloadPipe(AuditQueryRequest, 'audit.query request')) request: AuditQueryRequest): Promise<AuditQueryReply> {
    return this.audit.query(request);
  }
}
