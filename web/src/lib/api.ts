// Fetching the server's JSON API (docs/api.md). Errors carry the server's message.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string, params?: URLSearchParams | Record<string, string>, signal?: AbortSignal): Promise<T> {
  const qs = params ? new URLSearchParams(params).toString() : "";
  const url = qs ? `${path}?${qs}` : path;
  const res = await fetch(url, { signal, headers: { Accept: "application/json" } });
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      const body = JSON.parse(text);
      if (body && typeof body.error === "string") message = body.error;
      else if (body && typeof body.message === "string") message = body.message;
    } catch {
      /* not JSON: keep the text */
    }
    throw new ApiError(res.status, `${res.status}: ${message || res.statusText}`);
  }
  return JSON.parse(text) as T;
}
