// A real OpenID Connect provider for taskcore's single sign-on tests: the certified
// `oidc-provider` on a free loopback port, with one client and a few accounts.
//
//   node provider.js   (settings from the environment, see below)
//
// Prints `READY <issuer>` once it listens. Environment:
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET  the registered client (confidential)
//   OIDC_REDIRECT_URIS                  its redirect URIs, comma-separated
//   OIDC_PORT                           the port (0 or unset: any free one)
//
// The login page is a plain form (login, password) with a "Sign in" and a "Cancel"
// button; consent is granted at once (a first-party client). Accounts: alice
// (wonderland; verified address, in the taskcore-admins group) and bob (builder;
// unverified address).

import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const ACCOUNTS = {
  alice: {
    password: 'wonderland',
    claims: {
      sub: 'alice-0001',
      email: 'alice@corp.example',
      email_verified: true,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      groups: ['staff', 'taskcore-admins'],
    },
  },
  bob: {
    password: 'builder',
    claims: {
      sub: 'bob-0002',
      email: 'bob@corp.example',
      email_verified: false,
      name: 'Bob Builder',
      preferred_username: 'bob',
      groups: ['staff'],
    },
  },
};
const BY_SUB = Object.fromEntries(Object.values(ACCOUNTS).map((a) => [a.claims.sub, a]));

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html><head><title>Test provider</title></head><body>${body}</body></html>`);
}

function loginForm(res, uid, message = '') {
  page(res, 200, `<h1>Test provider sign-in</h1>
<p id="message">${escape(message)}</p>
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>Login <input name="login" autocomplete="username"></label>
  <label>Password <input name="password" type="password" autocomplete="current-password"></label>
  <button type="submit" name="action" value="login">Sign in</button>
  <button type="submit" name="action" value="cancel">Cancel</button>
</form>`);
}

async function readForm(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  return new URLSearchParams(raw);
}

async function interaction(provider, req, res) {
  const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(new URL(req.url, 'http://x').pathname);
  if (!match) return false;
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    loginForm(res, details.uid);
    return true;
  }
  const form = await readForm(req);
  if (form.get('action') === 'cancel') {
    const result = { error: 'access_denied', error_description: 'The person cancelled the sign-in' };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    return true;
  }
  const account = ACCOUNTS[form.get('login') || ''];
  if (!account || account.password !== form.get('password')) {
    loginForm(res, details.uid, 'Wrong login or password');
    return true;
  }
  await provider.interactionFinished(
    req, res, { login: { accountId: account.claims.sub } }, { mergeWithLastSubmission: false },
  );
  return true;
}

async function main() {
  const clientId = process.env.OIDC_CLIENT_ID || 'taskcore';
  const clientSecret = process.env.OIDC_CLIENT_SECRET || 'taskcore-test-secret';
  const redirectUris = (process.env.OIDC_REDIRECT_URIS || '').split(',').filter(Boolean);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };

  const server = http.createServer();
  await new Promise((resolve) => server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [jwk] },
    cookies: {
      keys: ['taskcore-test-provider-cookie-key'],
      names: { session: 'op_session', interaction: 'op_interaction', resume: 'op_resume' },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    scopes: ['openid', 'email', 'profile', 'groups'],
    conformIdTokenClaims: false, // the asked-for claims go into the ID token itself
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, details) => `/interaction/${details.uid}` },
    findAccount: async (ctx, sub) => {
      const account = BY_SUB[sub];
      return account && { accountId: sub, claims: async () => ({ ...account.claims }) };
    },
    loadExistingGrant: async (ctx) => {
      const { client, session } = ctx.oidc;
      const found = session.grantIdFor(client.clientId);
      if (found) return ctx.oidc.provider.Grant.find(found);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
  });

  const callback = provider.callback();
  server.on('request', (req, res) => {
    interaction(provider, req, res)
      .then((handled) => { if (!handled) callback(req, res); })
      .catch((err) => {
        page(res, 500, `<p>Test provider error: ${escape(err.message)}</p>`);
      });
  });
  process.stdout.write(`READY ${issuer}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
