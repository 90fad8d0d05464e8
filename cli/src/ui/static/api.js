// The JSON API of riskstream ui, and the API key the browser keeps for this tab only.

const KEY_STORAGE = 'riskstream-ui-api-key';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? body?.error ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function answer(res) {
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

export async function getJson(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== ''));
  const url = query.size > 0 ? `${path}?${query}` : path;
  return answer(await fetch(url, { headers: { accept: 'application/json' } }));
}

export async function postJson(path, body) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const key = apiKey();
  if (key) headers.authorization = `Bearer ${key}`;
  return answer(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body ?? {}) }));
}

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}
