// Minimal typings for the parts of oidc-provider 9 that dev-idp uses (the package ships none).
// Everything the library hands back is typed loosely on purpose: see its docs for the shapes.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type KoaContext = any;
  export type KoaNext = () => Promise<unknown>;
  export type KoaMiddleware = (ctx: KoaContext, next: KoaNext) => Promise<unknown> | unknown;

  export interface InteractionDetails {
    uid: string;
    prompt: { name: string; reasons: string[]; details: Record<string, any> };
    params: Record<string, any>;
    session?: { accountId?: string; uid?: string };
    grantId?: string;
    lastSubmission?: Record<string, any>;
    [key: string]: any;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, any>);
    readonly issuer: string;
    proxy: boolean;
    use(middleware: KoaMiddleware): this;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: any[]) => void): this;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, any>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
    cookieName(type: 'session' | 'interaction' | 'resume'): string;
    createContext(req: IncomingMessage, res: ServerResponse): KoaContext;
    readonly Grant: any;
    readonly Session: any;
    readonly Client: any;
    [key: string]: any;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    AccessDenied: new (description?: string) => Error;
    InvalidRequest: new (description?: string) => Error;
    InvalidClient: new (description?: string) => Error;
    SessionNotFound: new (description?: string) => Error;
    [name: string]: new (...args: any[]) => Error;
  };
}
