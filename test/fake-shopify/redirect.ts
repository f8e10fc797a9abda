// Test/demo-only fetch redirect: requests to Shopify hosts (*.myshopify.com and the storage
// hosts the fake hands out) go to the fake's address instead, with the original host in the
// x-fake-shopify-host header. Install it before @shopify/shopify-api's adapter captures
// globalThis.fetch; the target can be set later (setTarget) once the fake is listening.
// Self-contained on purpose: register.mjs loads it with plain `node --import`.

export const FAKE_HOST_HEADER = "x-fake-shopify-host";

export const DEFAULT_REDIRECT_HOSTS: ReadonlyArray<string | RegExp> = [
  /(^|\.)myshopify\.com$/i,
  "storage.googleapis.com",
  "shopify-staged-uploads.storage.googleapis.com",
];

export interface FetchRedirect {
  /** Base URL of the fake (e.g. http://127.0.0.1:4321); null passes requests through. */
  setTarget(url: string | null): void;
  readonly target: string | null;
  /** Requests redirected so far. */
  readonly count: number;
  uninstall(): void;
}

interface RedirectState {
  original: typeof fetch;
  target: string | null;
  hosts: ReadonlyArray<string | RegExp>;
  count: number;
}

const STATE_KEY = Symbol.for("kizuna.fake-shopify.redirect");

type GlobalWithState = typeof globalThis & { [STATE_KEY]?: RedirectState };

function stateOf(): RedirectState | undefined {
  return (globalThis as GlobalWithState)[STATE_KEY];
}

function matches(hosts: ReadonlyArray<string | RegExp>, hostname: string): boolean {
  return hosts.some((h) =>
    typeof h === "string" ? h === hostname.toLowerCase() : h.test(hostname),
  );
}

function urlOf(input: string | URL | Request): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

async function redirectedFetch(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  const state = stateOf();
  if (!state) return fetch(input, init);
  let parsed: URL | null = null;
  try {
    parsed = new URL(urlOf(input));
  } catch {
    parsed = null;
  }
  if (!state.target || !parsed || !matches(state.hosts, parsed.hostname))
    return state.original(input, init);
  const request = new Request(input, init);
  const target = new URL(`${parsed.pathname}${parsed.search}`, state.target);
  const headers = new Headers(request.headers);
  headers.set(FAKE_HOST_HEADER, parsed.host);
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  state.count++;
  return state.original(target, {
    method: request.method,
    headers,
    body: hasBody ? await request.arrayBuffer() : undefined,
    redirect: request.redirect,
    signal: request.signal,
  });
}

/** Installs (or retargets) the redirect in this process. */
export function installFetchRedirect(
  target: string | null = null,
  options: { hosts?: ReadonlyArray<string | RegExp> } = {},
): FetchRedirect {
  const g = globalThis as GlobalWithState;
  let state = g[STATE_KEY];
  if (!state) {
    state = {
      original: globalThis.fetch,
      target,
      hosts: options.hosts ?? DEFAULT_REDIRECT_HOSTS,
      count: 0,
    };
    g[STATE_KEY] = state;
    const installed = state;
    // A later `globalThis.fetch = …` (Remix's installGlobals in app/server.ts swaps in
    // undici's fetch after the build is imported) replaces what the redirect forwards to,
    // not the redirect itself: code that calls fetch at call time still reaches the fake.
    Object.defineProperty(globalThis, "fetch", {
      configurable: true,
      enumerable: true,
      get: () => redirectedFetch as typeof fetch,
      set: (next: typeof fetch) => {
        installed.original = next;
      },
    });
  } else {
    state.target = target ?? state.target;
    if (options.hosts) state.hosts = options.hosts;
  }
  const current = state;
  return {
    setTarget(url) {
      current.target = url;
    },
    get target() {
      return current.target;
    },
    get count() {
      return current.count;
    },
    uninstall() {
      if (g[STATE_KEY] !== current) return;
      Object.defineProperty(globalThis, "fetch", {
        configurable: true,
        enumerable: true,
        writable: true,
        value: current.original,
      });
      delete g[STATE_KEY];
    },
  };
}

/** The installed redirect, if any. */
export function currentFetchRedirect(): FetchRedirect | null {
  return stateOf() ? installFetchRedirect() : null;
}
