// The server's API as the app uses it. A refusal becomes an ApiError with the server's
// stable code and words; a network failure stays a TypeError (the outbox waits and retries).

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error;
    super(error?.message || `the server answered ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = error?.code || 'http_error';
    this.index = error?.index;
    this.field = error?.field;
  }
}

async function answer(response) {
  const type = response.headers.get('Content-Type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof body === 'object' ? body : null);
  return body;
}

/** GET a JSON (or text) resource. */
export async function getJson(path) {
  return answer(await fetch(path, { cache: 'no-store' }));
}

/** POST a JSON body. */
export async function postJson(path, body) {
  return answer(
    await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}
