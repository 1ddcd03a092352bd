import { BusError, toWireError, type WireError } from '@auth-bus/contracts';
import { Catch, Logger, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Turns anything a handler throws into the contract's error shape. BusErrors pass through with
 * their code; anything else is logged (message only) and answered as a generic INTERNAL —
 * never NestJS's "Internal server error" envelope.
 */
@Catch()
export class BusExceptionFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('BusExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<WireError> {
    if (!(exception instanceof BusError)) {
      const pattern = host.getType() === 'rpc' ? host.switchToRpc().getContext()?.getSubject?.() : undefined;
      this.logger.error(`Unhandled error on ${pattern ?? 'unknown subject'}: ${(exception as Error)?.message ?? exception}`);
      return throwError(() => toWireError(BusError.internal()));
    }
    return throwError(() => toWireError(exception));
  }
}
