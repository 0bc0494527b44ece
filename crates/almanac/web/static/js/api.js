// Calls to Almanac's REST API from the pages. The browser's session cookie authenticates them;
// requests that change something carry the page's CSRF token. No token is ever kept in storage.

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

/** An API answer that was not a success: its status and its (DRF-shaped) JSON body. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail ?? `The server answered ${status}.`);
    this.status = status;
    this.body = body ?? {};
  }
}

/** Sends a request to `/api/v1{path}`; resolves with the JSON body and the response. */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { detail: 'Almanac cannot be reached. Check your connection and try again.' });
  }
  if (response.status === 401) {
    window.location.assign(`/login/?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError(401, { detail: 'Your session has ended. Please sign in again.' });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return { json, response };
}

export const get = (path) => request('GET', path).then(({ json }) => json);

/** Every item of a paginated list, following `Link: <…>; rel="next"`. */
export async function getAll(path) {
  const items = [];
  let next = path;
  while (next) {
    const { json, response } = await request('GET', next);
    items.push(...json);
    next = nextPage(response.headers.get('Link'));
  }
  return items;
}

/** The API path of the `rel="next"` link, if any. */
export function nextPage(link) {
  const match = link?.match(/<([^>]+)>;\s*rel="next"/);
  if (!match) return null;
  const url = new URL(match[1], location.origin);
  return url.pathname.replace(/^\/api\/v1/, '') + url.search;
}
