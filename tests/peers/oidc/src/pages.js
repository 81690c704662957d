// The peer's HTML: the login form, the logout form and the error page.
// Plain HTML that a browser and an HTTP client with a cookie jar both get
// through: the login form posts `username` and `password` back to the URL
// it was served from (button #sign-in); the logout form posts itself.

const ESCAPES = {
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
};

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function page(title, body, { script = '' } = {}) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}
label{display:block;margin-top:.8rem}input{width:100%;padding:.4rem;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem}#error{color:#a00}
</style>
</head>
<body>
${body}${script}
</body>
</html>
`;
}

// The login form of one interaction. `error`: the message shown above it.
export function loginPage({ clientId, username = '', error = '' }) {
  const alert = error ? `<p id="error" role="alert">${escapeHtml(error)}</p>\n` : '';
  return page('Sign in', `<h1>Sign in</h1>
<p>to <strong>${escapeHtml(clientId)}</strong> (Wasl test identity provider)</p>
${alert}<form method="post" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" value="${escapeHtml(username)}" autofocus required>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button id="sign-in" type="submit">Sign in</button>
</form>`);
}

// oidc-provider's logout form (action end_session_confirm, hidden xsrf),
// with logout=yes added so the whole IdP session ends (and every client
// with a back-channel URI is told), submitted at once by a browser; a
// plain client posts the form's fields itself.
export function logoutPage(formHtml) {
  const form = formHtml.replace('</form>', '<input type="hidden" name="logout" value="yes"/>'
    + '<button id="sign-out" type="submit">Sign out</button></form>');
  return page('Signing out', `<h1>Signing out</h1>\n${form}`, {
    script: '\n<script>document.getElementById("op.logoutForm").submit();</script>',
  });
}

export function signedOutPage() {
  return page('Signed out', '<h1>Signed out</h1>\n<p>You are signed out of the test identity provider.</p>');
}

export function errorPage(error, description) {
  return page('Sign-in error', `<h1>Sign-in error</h1>
<p id="error" role="alert"><code>${escapeHtml(error)}</code>: ${escapeHtml(description || '')}</p>`);
}
