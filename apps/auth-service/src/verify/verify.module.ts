import { Module } from '@nestjs/common';
import type { AuthServiceConfig } from '../config/auth-service.config';
import { AUTH_SERVICE_CONFIG } from '../config/config.token';
import { LOGIN_CLIENT_IDS, UserLoginPolicy } from './user-login.policy';
import { VerifyController } from './verify.controller';
import { VerifyService } from './verify.service';

@Module({
  controllers: [VerifyController],
  providers: [
    VerifyService,
    UserLoginPolicy,
    { provide: LOGIN_CLIENT_IDS, useFactory: (config: AuthServiceConfig) => config.login.clientIds, inject: [AUTH_SERVICE_CONFIG] },
  ],
  exports: [VerifyService, UserLoginPolicy],
})
export class VerifyModule {}
