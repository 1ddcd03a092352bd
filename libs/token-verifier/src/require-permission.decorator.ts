import { SetMetadata } from '@nestjs/common';
import { REQUIRED_PERMISSIONS_KEY } from './tokens';

/**
 * Permissions a handler (or every handler of a controller) needs, on top of a valid token:
 * `@UseGuards(BusAuthGuard) @RequirePermission('read:messages')`. Missing one → FORBIDDEN.
 */
export const RequirePermission = (...permissions: string[]) => SetMetadata(REQUIRED_PERMISSIONS_KEY, permissions);
