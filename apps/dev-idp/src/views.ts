// HTML for dev-idp's own pages: login, consent, logout, errors. Self-contained (no fonts or
// scripts from the internet), usable with the keyboard alone, readable in a 425×525 popup.

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;color:#1b1f24;background:#eef1f5}
body{margin:0;display:flex;align-items:flex-start;justify-content:center;padding:10px}
main{width:100%;max-width:360px;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:16px 20px}
.dev{margin:0 0 10px;padding:4px 8px;border-radius:4px;background:#fff4ce;border:1px solid #e0b400;font-size:.8rem;text-align:center}
h1{font-size:1.25rem;margin:0 0 4px}
p{margin:6px 0;line-height:1.4}
.sub{color:#4a5563;font-size:.9rem;margin-bottom:8px}
label{display:block;font-weight:600;font-size:.9rem;margin:10px 0 4px}
input[type=email],input[type=password],input[type=text]{width:100%;padding:9px 10px;font-size:1rem;border:1px solid #8a94a3;border-radius:4px}
input[aria-invalid=true]{border-color:#b3261e}
button{width:100%;margin-top:14px;padding:9px;font-size:1rem;font-weight:600;border-radius:4px;border:1px solid #0b57d0;background:#0b57d0;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b57d0;margin-top:8px}
button:hover{filter:brightness(1.08)}
:focus-visible{outline:3px solid #f9ab00;outline-offset:2px}
.error{margin:10px 0 0;padding:8px 10px;border-radius:4px;background:#fce8e6;border:1px solid #b3261e;color:#8c1d18;font-size:.9rem}
ul{margin:6px 0 0;padding-left:20px}
details{margin-top:10px;font-size:.8rem;color:#4a5563}
code{font-size:.85em}
`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · dev-idp</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="dev" role="note">Development identity provider — not for production use</p>
${body}
</main>
</body>
</html>`;
}

export interface LoginView {
  action: string;
  abortAction: string;
  clientName: string;
  email?: string;
  error?: string;
  devEmails: string[];
}

export function loginPage(v: LoginView): string {
  const errorId = 'login-error';
  const invalid = v.error ? ` aria-invalid="true" aria-describedby="${errorId}"` : '';
  return layout(
    'Log in',
    `<h1>Log in</h1>
<p class="sub">to continue to <strong>${escapeHtml(v.clientName)}</strong></p>
<form method="post" action="${escapeHtml(v.action)}" novalidate>
<label for="username">Email address</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(v.email ?? '')}"${v.email ? '' : ' autofocus'}${invalid}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${v.email ? ' autofocus' : ''}${invalid}>
${v.error ? `<p class="error" id="${errorId}" role="alert">${escapeHtml(v.error)}</p>` : ''}
<button type="submit">Log in</button>
</form>
<form method="post" action="${escapeHtml(v.abortAction)}">
<button type="submit" class="secondary">Cancel</button>
</form>
<details><summary>Development accounts</summary>
<p>${v.devEmails.map((e) => `<code>${escapeHtml(e)}</code>`).join(', ')} — passwords are in <code>apps/dev-idp/README.md</code>.</p>
</details>`,
  );
}

export interface ConsentView {
  action: string;
  abortAction: string;
  clientName: string;
  userEmail: string;
  scopes: string[];
  apis: Array<{ name: string; permissions: string[] }>;
}

export function consentPage(v: ConsentView): string {
  const items = [
    ...v.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`),
    ...v.apis.flatMap((a) => a.permissions.map((p) => `<li><code>${escapeHtml(p)}</code> on ${escapeHtml(a.name)}</li>`)),
  ];
  return layout(
    'Authorize',
    `<h1>Authorize ${escapeHtml(v.clientName)}</h1>
<p class="sub">Signed in as <strong>${escapeHtml(v.userEmail)}</strong></p>
<p>${escapeHtml(v.clientName)} asks for:</p>
<ul>${items.join('') || '<li>access to your account</li>'}</ul>
<form method="post" action="${escapeHtml(v.action)}">
<button type="submit" autofocus>Allow</button>
</form>
<form method="post" action="${escapeHtml(v.abortAction)}">
<button type="submit" class="secondary">Deny</button>
</form>`,
  );
}

export function errorPage(title: string, fields: Record<string, string | undefined>): string {
  const rows = Object.entries(fields)
    .filter(([, value]) => value)
    .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(value)}</p>`)
    .join('\n');
  return layout(title, `<h1 role="alert">${escapeHtml(title)}</h1>\n${rows}`);
}

/**
 * RP-initiated logout (/oidc/logout). With a valid `id_token_hint` it signs out at once (the form
 * submits itself, as Auth0 does not prompt then); otherwise the user confirms.
 */
export function logoutPage(form: string, clientName: string | undefined, auto: boolean): string {
  const formWithChoice = form.replace('</form>', '<input type="hidden" name="logout" value="yes"></form>');
  if (auto) {
    return layout(
      'Signing out',
      `<h1>Signing out…</h1>
${formWithChoice}
<noscript><p>JavaScript is off: press the button to finish signing out.</p></noscript>
<button type="submit" form="op.logoutForm">Sign out</button>
<script>document.getElementById('op.logoutForm').submit()</script>`,
    );
  }
  return layout(
    'Sign out',
    `<h1>Sign out${clientName ? ` of ${escapeHtml(clientName)}` : ''}?</h1>
<p class="sub">You will be signed out of the development identity provider.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`,
  );
}

export function loggedOutPage(clientName?: string): string {
  return layout(
    'Signed out',
    `<h1>You are signed out</h1>
<p>${clientName ? `You signed out of ${escapeHtml(clientName)}. ` : ''}You can close this window.</p>`,
  );
}

export function avatarSvg(initials: string): string {
  let hue = 0;
  for (const c of initials) hue = (hue * 31 + c.charCodeAt(0)) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128" role="img" aria-label="${escapeHtml(initials)}">
<rect width="128" height="128" rx="64" fill="hsl(${hue},55%,42%)"/>
<text x="64" y="64" dy=".35em" text-anchor="middle" font-family="system-ui,sans-serif" font-size="52" fill="#fff">${escapeHtml(initials)}</text>
</svg>`;
}
