// Our login and consent pages (oidc-provider's devInteractions, which accept any password, are
// disabled). oidc-provider sends the browser to /interaction/<uid> when it needs the user:
//   GET  /interaction/<uid>          login page (or consent page)
//   POST /interaction/<uid>/login    checks email + password against the seed file
//   POST /interaction/<uid>/confirm  consent given
//   POST /interaction/<uid>/abort    user cancelled: the client gets error=access_denied
import type Provider from 'oidc-provider';
import type { InteractionDetails, KoaContext, KoaNext } from 'oidc-provider';
import type { AccountStore } from './accounts.js';
import type { DevIdpConfig } from './config.js';
import { applyToGrant, isFirstParty } from './grants.js';
import { AUTO_CONSENT_PARAM } from './auth0-compat.js';
import { findApi } from './tokens.js';
import { readForm, sendHtml } from './http-util.js';
import type { Logger } from './logger.js';
import { consentPage, errorPage, loginPage } from './views.js';

const ROUTE = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/;

export const WRONG_CREDENTIALS = 'Wrong email or password.';

interface Deps {
  provider: Provider;
  config: DevIdpConfig;
  accounts: AccountStore;
  logger: Logger;
}

export function interactionsMiddleware({ provider, config, accounts, logger }: Deps) {
  const finish = async (ctx: KoaContext, result: Record<string, unknown>, merge: boolean) => {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.redirect(returnTo);
    ctx.status = 303;
  };

  const clientName = async (clientId: string): Promise<string> => {
    const client = await provider.Client.find(clientId);
    return client?.clientName ?? clientId;
  };

  const showLogin = async (ctx: KoaContext, details: InteractionDetails, status: number, email?: string, error?: string) => {
    sendHtml(
      ctx,
      status,
      loginPage({
        action: `/interaction/${details.uid}/login`,
        abortAction: `/interaction/${details.uid}/abort`,
        clientName: await clientName(details.params.client_id),
        email: email ?? details.params.login_hint,
        error,
        devEmails: accounts.emails(),
      }),
    );
  };

  const showConsent = async (ctx: KoaContext, details: InteractionDetails) => {
    const d = details.prompt.details;
    const user = details.session?.accountId ? accounts.find(details.session.accountId) : undefined;
    sendHtml(
      ctx,
      200,
      consentPage({
        action: `/interaction/${details.uid}/confirm`,
        abortAction: `/interaction/${details.uid}/abort`,
        clientName: await clientName(details.params.client_id),
        userEmail: user?.email ?? 'unknown user',
        scopes: (d.missingOIDCScope ?? []).filter((s: string) => s !== 'openid'),
        apis: Object.entries<string[]>(d.missingResourceScopes ?? {}).map(([indicator, scopes]) => ({
          name: findApi(config, indicator)?.name ?? indicator,
          permissions: scopes.filter((s) => findApi(config, indicator)?.permissions.includes(s)),
        })),
      }),
    );
  };

  const giveConsent = async (ctx: KoaContext, details: InteractionDetails) => {
    const accountId = details.session?.accountId;
    const clientId: string = details.params.client_id;
    if (!accountId) return ctx.redirect(`/interaction/${details.uid}`);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
    const d = details.prompt.details;
    applyToGrant(
      grant,
      { oidcScopes: d.missingOIDCScope ?? [], claims: d.missingOIDCClaims ?? [], resources: d.missingResourceScopes ?? {} },
      accountId,
      config,
      accounts,
    );
    const grantId = await grant.save();
    logger.info({ event: 'consent.given', client_id: clientId, sub: accountId, automatic: details.params[AUTO_CONSENT_PARAM] === '1' }, 'consent given');
    return finish(ctx, { consent: { grantId } }, true);
  };

  return async function interactions(ctx: KoaContext, next: KoaNext) {
    const match = ROUTE.exec(ctx.path);
    if (!match) return next();
    const [, uid, action] = match;
    if ((action && ctx.method !== 'POST') || (!action && ctx.method !== 'GET')) {
      sendHtml(ctx, 405, errorPage('Method not allowed', {}));
      return;
    }

    let details: InteractionDetails;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      sendHtml(
        ctx,
        400,
        errorPage('This login page has expired', {
          error: 'invalid_request',
          error_description: 'The login request was not found or was already completed. Go back to the application and log in again.',
        }),
      );
      return;
    }
    if (details.uid !== uid) {
      sendHtml(ctx, 400, errorPage('Login request mismatch', { error: 'invalid_request', error_description: 'Please start the login again from the application.' }));
      return;
    }
    const prompt = details.prompt.name;
    const clientId: string = details.params.client_id;

    if (!action) {
      if (prompt === 'login') return showLogin(ctx, details, 200);
      // prompt=consent that auth0-compat added only to keep offline_access: no page (Auth0).
      if (prompt === 'consent' && details.params[AUTO_CONSENT_PARAM] === '1' && isFirstParty(config, clientId)) {
        return giveConsent(ctx, details);
      }
      if (prompt === 'consent') return showConsent(ctx, details);
      sendHtml(ctx, 400, errorPage('Unsupported interaction', { error: 'invalid_request', error_description: `prompt ${prompt} is not supported` }));
      return;
    }

    if (action === 'abort') {
      logger.info({ event: 'interaction.aborted', client_id: clientId, prompt }, 'user cancelled');
      return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' }, false);
    }

    const form = await readForm(ctx);

    if (action === 'login') {
      if (prompt !== 'login') return ctx.redirect(`/interaction/${uid}`);
      const email = (form.get('username') ?? '').trim();
      const password = form.get('password') ?? '';
      const user = email && password ? await accounts.authenticate(email, password) : undefined;
      if (!user) {
        logger.warn({ event: 'login.failed', client_id: clientId, reason: email && password ? 'wrong_credentials' : 'missing_fields' }, 'login refused');
        return showLogin(ctx, details, 401, email, email && password ? WRONG_CREDENTIALS : 'Enter your email address and password.');
      }
      logger.info({ event: 'login.success', client_id: clientId, sub: user.user_id }, 'user logged in');
      const result: Record<string, unknown> = { login: { accountId: user.user_id, amr: ['pwd'], remember: true } };
      // The consent dev-idp asked for itself (auth0-compat, to keep offline_access) is given with
      // the login, as Auth0 does: no second interaction and two fewer redirects per login. The
      // grant is filled on resume by loadExistingGrant (grants.ts), minus what the user lacks.
      if (details.params[AUTO_CONSENT_PARAM] === '1' && isFirstParty(config, clientId)) {
        const grantId = await new provider.Grant({ accountId: user.user_id, clientId }).save();
        logger.info({ event: 'consent.given', client_id: clientId, sub: user.user_id, automatic: true }, 'consent given');
        result.consent = { grantId };
      }
      return finish(ctx, result, false);
    }

    // action === 'confirm'
    if (prompt !== 'consent') return ctx.redirect(`/interaction/${uid}`);
    return giveConsent(ctx, details);
  };
}
