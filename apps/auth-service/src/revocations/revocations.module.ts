import { Module } from '@nestjs/common';
import { RevocationStoreService } from './revocation-store.service';
import { RevokeController } from './revoke.controller';
import { RevokeService } from './revoke.service';

@Module({
  controllers: [RevokeController],
  providers: [RevocationStoreService, RevokeService],
})
export class RevocationsModule {}
